#!/usr/bin/env bash
# Makes docs/captions-hook.png: one frame of the English demo as `encode` renders it, with a styled
# caption (CAPTION_BOX=on, CAPTION_UPPERCASE=true) and a hook, at 0.9 s into the first scene.
# Re-run it whenever the captions change:   docs/captions-hook.sh
# Offline (espeak-ng narration); the work goes to a temporary folder that is removed afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export WORK_DIR="$work" VIDEO_SIZE=1080x1920 VIDEO_FPS=30 CAPTION_STYLE=karaoke CAPTION_BOX=on CAPTION_UPPERCASE=true
story="$root/examples/demo-en/story.json"
"$root/jbang" tts "$story" scene1 >/dev/null
"$root/jbang" encode "$story" scene1 --hook "The summer Lucy learned to fly" >/dev/null
ffmpeg -v error -y -ss 0.9 -i "$work/clips/scene1.mp4" -frames:v 1 -vf scale=540:960:flags=lanczos -pred mixed "$root/docs/captions-hook.png"
echo "wrote $root/docs/captions-hook.png" >&2
