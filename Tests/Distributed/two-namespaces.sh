#!/bin/sh
# Runs `mpirun -np 2 COMMAND ARGS…` as on two machines: one rank in each of two fresh network namespaces joined
# by a veth pair (10.77.0.1 and 10.77.0.2, listed in a hostfile), Open MPI's TCP transport between them (btl
# tcp,self; no shared memory), the remote daemon started through netns-rsh as ssh would start it on another
# machine. The namespaces are removed after.
#   sudo Tests/Distributed/two-namespaces.sh .build/release/textgen train --data corpus.txt --steps 100
# Needs root, iproute2 and util-linux (unshare); exits 77 when namespaces cannot be made here.
set -u
here=$(cd "$(dirname "$0")" && pwd)
id=$$
a="kestrel-a-$id"
b="kestrel-b-$id"
map=$(mktemp)
cleanup() {
  ip netns del "$a" 2>/dev/null
  ip netns del "$b" 2>/dev/null
  rm -f "$map" "$map.hosts"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
command -v mpirun >/dev/null || { echo "two-namespaces: mpirun not found (make deps installs Open MPI)" >&2; exit 77; }
if ! ip netns add "$a" 2>/dev/null || ! ip netns add "$b" 2>/dev/null; then
  echo "two-namespaces: cannot create network namespaces here (needs root and iproute2)" >&2
  exit 77
fi
set -e
ip -n "$a" link set lo up
ip -n "$b" link set lo up
ip link add "kva$id" type veth peer name "kvb$id"
ip link set "kva$id" netns "$a"
ip link set "kvb$id" netns "$b"
ip -n "$a" addr add 10.77.0.1/24 dev "kva$id"
ip -n "$b" addr add 10.77.0.2/24 dev "kvb$id"
ip -n "$a" link set "kva$id" up
ip -n "$b" link set "kvb$id" up
printf '10.77.0.1 %s\n10.77.0.2 %s\n' "$a" "$b" >"$map"
hosts="$map.hosts"  # an ordinary Open MPI hostfile, as for two real machines
printf '10.77.0.1 slots=1\n10.77.0.2 slots=1\n' >"$hosts"
export KESTREL_NETNS_MAP="$map" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
set +e
ip netns exec "$a" unshare --uts sh -c "hostname $a; exec mpirun --hostfile $hosts -np 2 \
  --mca plm_rsh_agent $here/netns-rsh --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 \
  --mca oob_tcp_if_include 10.77.0.0/24 \"\$@\"" sh "$@"
