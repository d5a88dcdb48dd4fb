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
  # independent clients of the vendor-box interfaces (#18): MQTT publisher, ONVIF discovery/profiles
  mosquitto-clients onvif-tools iproute2
  # GStreamer as the second independent RTSP client of H.265 streams (#18)
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
  # headless Chromium: the real browser viz/web's test opens the wall and a camera in
  chromium
  # node --check: the syntax of xk6-traffic's JavaScript (k6 itself is never installed here)
  nodejs
  # network namespaces and nftables (loss) for the shaped uplinks of sim/netem (#14)
  nftables
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

# A display: keep a working one, else start Xvfb on the first free display from :99. The choice is
# written to /tmp/trafficsim-display, which the Makefile exports as DISPLAY. "Working" means some
# process listens on the display's socket: a socket file left behind by a killed Xvfb is not enough.
state=/tmp/trafficsim-display
num() { local d=${1#*:}; echo "${d%%.*}"; }
listening() { # a listening unix socket (file or abstract) for display number $1, from /proc/net/unix
  if [ -r /proc/net/unix ]; then grep -qE "[ @]/tmp/\.X11-unix/X$1\$" /proc/net/unix
  else [ -S "/tmp/.X11-unix/X$1" ]; fi
}
for d in "${DISPLAY:-}" "$(cat "$state" 2>/dev/null || true)"; do
  if [[ "$d" == :* ]] && listening "$(num "$d")"; then echo "$d" > "$state"; exit 0; fi
done
for n in $(seq 99 120); do
  # taken by a live server, or by a lock or socket we may not own: try the next number
  if listening "$n" || [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; then continue; fi
  setsid nohup Xvfb ":$n" -screen 0 1920x1080x24 -nolisten tcp +extension GLX >/tmp/trafficsim-xvfb.log 2>&1 < /dev/null &
  pid=$!
  for _ in $(seq 50); do
    if listening "$n"; then echo ":$n" > "$state"; echo "setup: started Xvfb on :$n"; exit 0; fi
    kill -0 "$pid" 2>/dev/null || break # display taken (e.g. an abstract socket of another root): next
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
done
echo "setup: Xvfb did not start on any display :99-:120; see /tmp/trafficsim-xvfb.log" >&2
exit 1
