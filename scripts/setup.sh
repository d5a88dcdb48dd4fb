#!/usr/bin/env bash
# One idempotent set-up for trafficsim: installs exactly the Debian packages the project needs and
# starts Xvfb on :99 when there is no usable display. Run as root or with sudo; otherwise it
# prints the exact apt-get command to run.
set -euo pipefail

# What each group is for (ARCHITECTURE.md section 5):
packages=(
  # ebiten renders offscreen through an X server: Xvfb with Mesa llvmpipe and the X client libraries it loads
  xvfb xauth libgl1 libglx-mesa0 libgl1-mesa-dri
  libx11-6 libxrandr2 libxcursor1 libxi6 libxinerama1 libxext6 libxrender1 libxxf86vm1
  # the fast H.264 encoder (x264-go -tags extlib,pkgconfig) and the device's decoder (libavcodec through cgo)
  pkg-config libx264-dev libavcodec-dev libavutil-dev libswscale-dev
  # ffprobe/ffmpeg: the independent client that must accept our streams and clips
  ffmpeg
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo)
  else
    echo "setup: missing Debian packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A display: keep a working one; otherwise start Xvfb on :99 (the Makefile exports DISPLAY=:99).
display=${DISPLAY:-:99}
socket=/tmp/.X11-unix/X${display#:}
socket=${socket%%.*}
if [ -S "$socket" ]; then
  exit 0
fi
if [ "$display" != ":99" ]; then
  echo "setup: DISPLAY=$display has no X server socket ($socket); unset DISPLAY to use Xvfb on :99" >&2
  exit 1
fi
rm -f /tmp/.X99-lock
setsid nohup Xvfb :99 -screen 0 1920x1080x24 -nolisten tcp +extension GLX >/tmp/trafficsim-xvfb.log 2>&1 < /dev/null &
for _ in $(seq 50); do
  [ -S /tmp/.X11-unix/X99 ] && { echo "setup: started Xvfb on :99"; exit 0; }
  sleep 0.1
done
echo "setup: Xvfb did not start; see /tmp/trafficsim-xvfb.log" >&2
exit 1
