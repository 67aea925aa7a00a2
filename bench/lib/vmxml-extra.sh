# Sourced after scripts/lib/frontend.sh. From then on every VM document that frontend.sh's vm_xml
# makes (the deploy file, the MIGRATE message, the TM pre/post/failmigrate steps) carries
# $BENCH_USER_TEMPLATE_EXTRA (XML) at the end of its USER_TEMPLATE, as `onevm update` would have put
# it there: e.g. <ONEHAUL_MIGRATION_STRATEGIES><![CDATA[streamed]]></ONEHAUL_MIGRATION_STRATEGIES>.
# Unset or empty = the document exactly as frontend.sh makes it. The value must not hold '|', '&' or '\'.
# $BENCH_PRIVILEGE_XML (same rules) goes before it in every document, the deploy file's too:
# <LXC_UNPRIVILEGED><![CDATA[no]]></LXC_UNPRIVILEGED> for a privileged container.
# With BENCH_NIC_BY_VMID=yes the NIC gets an address and MAC of its own, 10.232.8.(VMID % 250 + 1)
# and 02:00:0a:e8:08:xx, as oned would lease them, instead of examples/counter-vm.xml's 10.232.1.42
# that every other test-bed container uses too.
if ! declare -F bench_vm_xml_plain >/dev/null; then
  eval "bench_vm_xml_plain() $(declare -f vm_xml | tail -n +2)"
fi
vm_xml() {
  local n=$(( ${1:-0} % 250 + 1 )) nic=()
  [ "${BENCH_NIC_BY_VMID:-no}" = yes ] && nic=(-e "s/10\.232\.1\.42/10.232.8.$n/g" -e "s/02:00:0a:e8:01:2a/$(printf '02:00:0a:e8:08:%02x' "$n")/g")
  bench_vm_xml_plain "$@" | sed "${nic[@]}" -e "s|</USER_TEMPLATE>|${BENCH_PRIVILEGE_XML:-}${BENCH_USER_TEMPLATE_EXTRA:-}</USER_TEMPLATE>|"
}

strategy_xml() { # NAME: the USER_TEMPLATE attribute that makes lxc_live use only that strategy
  printf '<ONEHAUL_MIGRATION_STRATEGIES><![CDATA[%s]]></ONEHAUL_MIGRATION_STRATEGIES>' "$1"
}
