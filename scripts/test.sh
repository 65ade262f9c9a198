#!/usr/bin/env bash
# The test command: installs what the tests need (Twisted, Node.js, Chromium,
# staticcheck) when missing, then checks formatting, vets for every OS the
# backends serve, runs staticcheck, the tests under -race, the benchmarks once
# each, and a quick run of the whole suite. Any failure fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "peer runtimes"
scripts/install-peers.sh --with-browser

step "gofmt"
bad=$(gofmt -l $(git ls-files '*.go'))
[ -z "$bad" ] || { echo "not gofmt'd:"; echo "$bad"; exit 1; }

step "go vet (linux, darwin, freebsd, openbsd, netbsd, dragonfly)"
go vet ./...
for os in darwin freebsd openbsd netbsd dragonfly; do GOOS=$os go vet ./...; done

step "staticcheck"
# Pinned, so a new release cannot fail CI overnight; bump it on purpose.
staticcheck_version=v0.8.2
sc=$(go env GOPATH)/bin/staticcheck
"$sc" -version 2>/dev/null | grep -qF "(${staticcheck_version#v})" \
  || go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
"$sc" ./...

step "go mod tidy"
go mod tidy -diff

step "tests under -race"
go test -race -timeout 15m ./...

step "benchmarks, once each"
go test -run '^$' -bench . -benchtime 1x -timeout 10m ./...

step "suite, quick"
out=$(mktemp -d)
go run ./cmd/reactorbench run -quick -out "$out"
test -s "$out/results.json" && test -s "$out/results.txt" && test -s "$out/index.html"
echo "ok: report at $out/index.html"
