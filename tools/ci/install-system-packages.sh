#!/usr/bin/env bash
# Debian packages the tests need. Idempotent; skipped where they are already present.
# chromium: the browser tests drive Debian's Chromium with playwright-core (browser
# downloads are impossible here); fonts-noto-cjk so Japanese pages render as text, not boxes.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing Debian packages: ${need[*]} (run as root, or install them, to enable the browser tests)" >&2
  fi
fi
