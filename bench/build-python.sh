#!/usr/bin/env bash
# Build CPython 3.13 with profile-guided optimisation and link-time optimisation (--enable-optimizations
# --with-lto), as the official Docker images, Debian's and uv's interpreters are built, into /opt/python-<v>-pgo.
# pyenv builds without them unless PYTHON_CONFIGURE_OPTS asks; on the filing+reception pair the difference is
# about a fifth of the server's CPU (ADR 0004, thirteenth round). About 25 minutes on two cores.
#
#   bench/build-python.sh                    # then: rm -rf .venv && make install PYTHON=/opt/python-3.13.15-pgo/bin/python3.13
#   .venv/bin/python -m bench.bench_http --venv <unoptimised venv> --venv <optimised venv> ...
#
# The source is the upstream release tarball as Debian's archive keeps it (python.org is not reachable from every
# machine here), checked against the SHA-256 that Debian's source index gives for it.
set -euo pipefail
VERSION="${VERSION:-3.13.15}"
SHA256="${SHA256:-1e66a7945a48390ee4c2a4268a0e4185884059a13c4aab6d148aa208deea4a76}"
PREFIX="${PREFIX:-/opt/python-$VERSION-pgo}"
URL="https://deb.debian.org/debian/pool/main/p/python3.13/python3.13_$VERSION.orig.tar.xz"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [ -x "$PREFIX/bin/python3.13" ]; then
  echo "$PREFIX/bin/python3.13 is already there"; exit 0
fi
curl -fsSL -o "$WORK/python.tar.xz" "$URL"
echo "$SHA256  $WORK/python.tar.xz" | sha256sum -c --quiet
tar -xJf "$WORK/python.tar.xz" -C "$WORK"
cd "$WORK/Python-$VERSION"
./configure --prefix="$PREFIX" --enable-optimizations --with-lto >"$WORK/configure.log"
make -j"$(nproc)" >"$WORK/make.log" 2>&1 || { tail -40 "$WORK/make.log"; exit 1; }
make altinstall >"$WORK/install.log" 2>&1
"$PREFIX/bin/python3.13" -c "import sysconfig, ssl, sqlite3, ctypes; print(sysconfig.get_config_var('CONFIG_ARGS'))"
echo "built $PREFIX/bin/python3.13"
