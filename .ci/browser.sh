# Headless Chromium and its Selenium driver from Debian's packages, for tests/web/test_browser.py.
# Sourced by .ci/run; installs only what is missing (no browser download: Selenium uses the system chromedriver).
ensure_browser() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
}
