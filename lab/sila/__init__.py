"""SiLA 2 for the reactor: the ReactorController feature, a server wrapping any adapter, and a client adapter."""
