# MuPDF's command-line tool from Debian's packages, for tests/miner/test_readers_pdf.py: the error for a truncated
# PDF tells the curator to repair it with `mutool clean`, and a test checks that this advice works.
# Sourced by .ci/run; installs only what is missing.
ensure_mutool() {
  if command -v mutool >/dev/null 2>&1; then
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends mupdf-tools >/dev/null
}
