#!/usr/bin/env bash
# A local KMS demo: starts moto on a free loopback port, encrypts a sample under key A with an
# encryption context (`kms-lite encrypt`), re-encrypts it to key B under a new context
# (`kms-lite re-encrypt`), decrypts the result with key B (`kms-lite decrypt --plaintext-out`)
# and checks with cmp that the plaintext is unchanged.
#
#   scripts/demo.sh            # debug build of kms-lite (fast when the tests were built)
#   scripts/demo.sh --release  # release build
#
# Needs python3 with venv (or virtualenv) and PyPI for the first run: .venv/ gets the pinned
# moto[server] (shared with scripts/test.sh). Every step is kms-lite, the keys and the alias
# included (`kms-lite call CreateKey`, `CreateAlias`). Only the server this script started is
# stopped when it exits.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
case "${1:-}" in
--release) profile=release ;;
"") ;;
*)
    echo "usage: scripts/demo.sh [--release]" >&2
    exit 2
    ;;
esac

. scripts/lib/moto.sh
# Nothing of the caller's AWS configuration may leak in (profiles, endpoints, real keys).
moto_clean_aws_env
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
REGION=us-east-1

moto_venv
# The binary where cargo says it put it, whatever the cargo configuration.
. scripts/lib/cargo_bin.sh
if [ "$profile" = release ]; then
    KMS_LITE="$(CARGO_BIN_PYTHON="$MOTO_PYTHON" cargo_bin kms-lite --release --bin kms-lite)"
else
    KMS_LITE="$(CARGO_BIN_PYTHON="$MOTO_PYTHON" cargo_bin kms-lite --bin kms-lite)"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/kms-lite-demo.XXXXXX")"
cleanup() {
    moto_stop
    rm -rf "$work"
}
trap cleanup EXIT
MOTO_LOG="$work/moto.log"
moto_start

# Prints a command as a transcript line, then runs it.
show() {
    local a line='$'
    for a in "$@"; do
        case "$a" in
        *"'"*) line+=" $(printf '%q' "$a")" ;;
        *[!A-Za-z0-9_./:=,@+-]*) line+=" '$a'" ;;
        *) line+=" $a" ;;
        esac
    done
    line="${line//$work\//\$WORK/}"
    printf '%s\n' "${line//$KMS_LITE/kms-lite}"
    "$@"
}

echo
echo "== 1. two keys and an alias (kms-lite call)"
for k in a b; do
    show "$KMS_LITE" call CreateKey \
        --cli-input-json "{\"Description\": \"kms-lite demo key ${k^^}\"}" \
        --query KeyMetadata.Arn --output text \
        --endpoint-url "$MOTO_ENDPOINT" --region "$REGION" | tee "$work/key-$k"
done
KEY_A="$(tail -n 1 "$work/key-a")"
KEY_B="$(tail -n 1 "$work/key-b")"
show "$KMS_LITE" call CreateAlias \
    --cli-input-json "{\"AliasName\": \"alias/demo-a\", \"TargetKeyId\": \"$KEY_A\"}" \
    --endpoint-url "$MOTO_ENDPOINT" --region "$REGION"

echo
echo "== 2. encrypt a sample with alias/demo-a under app=demo,stage=original (kms-lite)"
printf 'The quick brown fox jumps over the lazy dog.\n' >"$work/sample.txt"
show "$KMS_LITE" encrypt \
    --key-id alias/demo-a \
    --plaintext "fileb://$work/sample.txt" \
    --encryption-context app=demo,stage=original \
    --endpoint-url "$MOTO_ENDPOINT" --region "$REGION" \
    --ciphertext-out "$work/sample.enc"
echo "($(wc -c <"$work/sample.enc" | tr -d ' ') bytes of ciphertext in \$WORK/sample.enc)"

echo
echo "== 3. re-encrypt to key B under app=demo,stage=rotated (kms-lite)"
show "$KMS_LITE" re-encrypt \
    --ciphertext-blob "fileb://$work/sample.enc" \
    --source-encryption-context app=demo,stage=original \
    --destination-key-id "$KEY_B" \
    --destination-encryption-context app=demo,stage=rotated \
    --endpoint-url "$MOTO_ENDPOINT" --region "$REGION" \
    --ciphertext-out "$work/sample.rotated.enc"

echo
echo "== 4. decrypt with key B under the new context, and compare (kms-lite, cmp)"
show "$KMS_LITE" decrypt \
    --ciphertext-blob "fileb://$work/sample.rotated.enc" \
    --key-id "$KEY_B" \
    --encryption-context app=demo,stage=rotated \
    --endpoint-url "$MOTO_ENDPOINT" --region "$REGION" \
    --plaintext-out "$work/sample.decrypted.txt"
if show "$KMS_LITE" decrypt \
    --ciphertext-blob "fileb://$work/sample.rotated.enc" \
    --encryption-context app=demo,stage=original \
    --endpoint-url "$MOTO_ENDPOINT" --region "$REGION" \
    --plaintext-out "$work/should-not-exist.txt" 2>"$work/old-context.err"; then
    echo "the old context still opens it: unexpected"
    exit 1
else
    status=$?
fi
sed '/^$/d' "$work/old-context.err"
echo "(exit $status) the old context no longer opens it"
if [ -e "$work/should-not-exist.txt" ]; then
    echo "a plaintext file was written by the failed decrypt: unexpected"
    exit 1
fi
show cmp "$work/sample.txt" "$work/sample.decrypted.txt"
echo "plaintext identical: OK (mode $(stat -c %a "$work/sample.decrypted.txt" 2>/dev/null || stat -f %Lp "$work/sample.decrypted.txt"), $(wc -c <"$work/sample.decrypted.txt" | tr -d ' ') bytes)"
