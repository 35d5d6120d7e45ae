#!/usr/bin/env bash
# Set up everything the product and its tests need on a fresh Debian machine: system packages
# (LibreOffice for PDFs, PostgreSQL client/server check), a virtualenv, and the package itself.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_apt=()
command -v soffice >/dev/null 2>&1 || want_apt+=(libreoffice-writer-nogui)
# LibreOffice's Python bridge: the system python3 drives one warm LibreOffice over UNO.
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || want_apt+=(python3-uno)
if [ "${SCRUTINY_SETUP_TESTS:-0}" = 1 ]; then
  command -v pg_ctlcluster >/dev/null 2>&1 || want_apt+=(postgresql)
  command -v pdftotext >/dev/null 2>&1 || want_apt+=(poppler-utils)
  command -v dovecot >/dev/null 2>&1 || want_apt+=(dovecot-imapd)  # a real IMAP server for the intake tests
  # The browser test drives Debian's Chromium through its chromedriver; the unit test checks deploy/*.service.
  [ -x /usr/bin/chromium ] || want_apt+=(chromium)
  [ -x /usr/bin/chromedriver ] || want_apt+=(chromium-driver)
  command -v systemd-analyze >/dev/null 2>&1 || want_apt+=(systemd)
fi
if [ ${#want_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${want_apt[*]} from Debian's packages"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${want_apt[@]}" >/dev/null
  else
    echo "setup: please install ${want_apt[*]} (needs root); continuing without" >&2
  fi
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
# Running needs only the package; the tests add their extras (SCRUTINY_SETUP_TESTS=1).
extras=""
[ "${SCRUTINY_SETUP_TESTS:-0}" = 1 ] && extras="[test]"
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extras:+-test}
if [ ! -f "$stamp" ]; then
  echo "setup: installing the package${extras:+ and its test tools} (pinned) into .venv"
  log=.venv/pip-install.log
  if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".$extras"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "setup: pip install failed; the whole log is in $log" >&2
    exit 1
  fi
  # A test install also serves a plain run; a plain one does not serve the tests.
  rm -f .venv/.installed-*
  touch "$stamp"
  if [ -n "$extras" ]; then touch "${stamp%-test}"; fi  # an if, not `&&`: the script's status must stay 0
fi
