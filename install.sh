#!/usr/bin/env bash
#
# install.sh: install (or remove) OneHaul on an OpenNebula front-end.
#
# OneHaul adds the VMM driver "lxc_live" (LXC containers live-migrated with CRIU).
# Run `install.sh --help` for the options. Everything this script creates is
# recorded in <root>/usr/lib/one/onehaul/install-manifest, so that
# `install.sh --uninstall` removes exactly that (and nothing the operator changed).
#
set -euo pipefail
# The manifest lists files in `sort` order: the same bytes whatever locale the operator runs in.
export LC_ALL=C
# ${var//pattern/replacement} must not treat & in a path as "the match" (bash 5.2).
shopt -u patsub_replacement 2>/dev/null || true

PROG=${0##*/}
SCRIPT_DIR=$(CDPATH='' cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)

MARK_BEGIN='# BEGIN OneHaul (managed by install.sh)'
MARK_END='# END OneHaul'
VMM_NAME=lxc_live
TM_NAME=onehaul
LOCAL_ACTIONS=deploy,shutdown,cancel,reboot,reset,save,restore,migrate,attach_disk,detach_disk,attach_nic,detach_nic,prereconfigure,reconfigure,snapshot_create,snapshot_revert,snapshot_delete,resize,resize_disk,exec,exec_cancel

# Paths on the target system, system-wide layout (prefixed with the --root directory when
# installing). A self-contained OpenNebula (--one-location, or ONE_LOCATION) maps them below
# its directory the way OpenNebula's own install.sh -d does: see set_layout.
SYS_LIB=/usr/lib/one/onehaul
SYS_BIN=$SYS_LIB/bin/onehaul
set_layout() { # system | self-contained
    LAYOUT=$1
    if [[ $LAYOUT == system ]]; then
        LIB_REL=/usr/lib/one/onehaul
        REMOTES_REL=/var/lib/one/remotes
        CONF_REL=/etc/one/onehaul.conf
        ONED_CONF_REL=/etc/one/oned.conf
        LINK_REL=/usr/local/bin/onehaul      # on every user's PATH on Debian
        DS_REL=/var/lib/one/datastores
        LOG_REL=/var/log/one
        STATE_REL=/var/lib/one/onehaul
        PCA_REL=/etc/one/onehaul/pca
    else
        LIB_REL=/lib/onehaul
        REMOTES_REL=/var/remotes
        CONF_REL=/etc/onehaul.conf
        ONED_CONF_REL=/etc/oned.conf
        LINK_REL=/bin/onehaul                # next to OpenNebula's own CLI in $ONE_LOCATION/bin
        DS_REL=/var/datastores
        LOG_REL=/var
        STATE_REL=/var/onehaul
        PCA_REL=/etc/onehaul/pca
    fi
    BIN_REL=$LIB_REL/bin/onehaul
    JAR_REL=$LIB_REL/onehaul.jar
    MANIFEST_REL=$LIB_REL/install-manifest
    VMM_REL=$REMOTES_REL/vmm/$VMM_NAME
    TM_REL=$REMOTES_REL/tm
    HOOKS_REL=$REMOTES_REL/hooks/onehaul
}
set_layout system

usage() {
    cat <<EOF
Usage: $PROG [options]

Install OneHaul (the "$VMM_NAME" VMM driver: LXC live migration with CRIU) into an
OpenNebula front-end, or remove it again.

Options:
  --root DIR, --prefix DIR
                    install everything under DIR (default: /), system-wide
                    layout (DIR/etc/one, DIR/var/lib/one, DIR/usr/lib/one). The
                    shims then point at DIR$BIN_REL.
  --one-location DIR
                    install into a self-contained OpenNebula (the layout of
                    OpenNebula's install.sh -d DIR, used with ONE_LOCATION=DIR):
                    DIR/lib/onehaul, DIR/var/remotes, DIR/etc/onehaul.conf,
                    DIR/etc/oned.conf, DIR/bin/onehaul. Default: \$ONE_LOCATION when
                    it is set and --root is not given.
  --jar PATH        the OneHaul jar to install
                    (default: target/onehaul.jar next to this script; build it
                    with \`mvn package\`)
  --oned-conf PATH  oned.conf to register the driver in
                    (default: <root>/etc/one/oned.conf)
  --print-conf      print the oned.conf block and exit; changes nothing
  --print-hooks     print the hook templates (for \`onehook create\`, run by hand
                    as oneadmin once oned runs) and exit; changes nothing
  --uninstall       remove what an earlier install added (files listed in the
                    install manifest, and the marked block in oned.conf)
  --no-chown        do not chown installed files to oneadmin:oneadmin
                    (by default they are, when the user oneadmin exists)
  -h, --help        show this help and exit

Installed (system-wide layout; see --one-location for the other):
  <root>$JAR_REL, <root>$BIN_REL
  <root>$LINK_REL         (a link to the launcher, so \`onehaul\` is on the PATH)
  <root>$VMM_REL/*          (one shim per VMM action)
  <root>$TM_REL/*           (TM drivers, when the source tree has any)
  <root>$HOOKS_REL/*
  <root>$CONF_REL           (only if it does not exist yet)
  <root>$MANIFEST_REL
The installer refuses a directory in which it finds neither layout's OpenNebula
(/etc/one or /var/lib/one; DIR/etc/oned.conf or DIR/var/remotes).
oned.conf gets a VM_MAD and a TM_MAD_CONF block between the lines
  $MARK_BEGIN
  $MARK_END
and "$TM_NAME" is added to the -d list of its TM_MAD entry (the file is backed up
first, as oned.conf.onehaul-backup-<timestamp>, whenever it is about to change).
Running the installer again changes nothing that is already up to date.
EOF
}

die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}

usage_error() {
    printf '%s: %s\n\n' "$PROG" "$*" >&2
    usage >&2
    exit 2
}

say() {
    printf '%s\n' "$*"
}

# ------------------------------------------------------------------ options

ROOT=/
ROOT_GIVEN=0
ONE_LOCATION_OPT=
JAR=
ONED_CONF=
PRINT_CONF=0
PRINT_HOOKS=0
UNINSTALL=0
NO_CHOWN=0

need_arg() {
    [[ $# -ge 2 && -n $2 ]] || usage_error "option $1 needs an argument"
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --root | --prefix)
            need_arg "$@"; ROOT=$2; ROOT_GIVEN=1; shift 2 ;;
        --root=* | --prefix=*)
            ROOT=${1#*=}; ROOT_GIVEN=1; [[ -n $ROOT ]] || usage_error "option ${1%%=*} needs an argument"; shift ;;
        --one-location)
            need_arg "$@"; ONE_LOCATION_OPT=$2; shift 2 ;;
        --one-location=*)
            ONE_LOCATION_OPT=${1#*=}; [[ -n $ONE_LOCATION_OPT ]] || usage_error "option --one-location needs an argument"; shift ;;
        --jar)
            need_arg "$@"; JAR=$2; shift 2 ;;
        --jar=*)
            JAR=${1#*=}; [[ -n $JAR ]] || usage_error "option --jar needs an argument"; shift ;;
        --oned-conf)
            need_arg "$@"; ONED_CONF=$2; shift 2 ;;
        --oned-conf=*)
            ONED_CONF=${1#*=}; [[ -n $ONED_CONF ]] || usage_error "option --oned-conf needs an argument"; shift ;;
        --print-conf)
            PRINT_CONF=1; shift ;;
        --print-hooks)
            PRINT_HOOKS=1; shift ;;
        --uninstall)
            UNINSTALL=1; shift ;;
        --no-chown)
            NO_CHOWN=1; shift ;;
        -h | --help)
            usage; exit 0 ;;
        *)
            usage_error "unknown option: $1" ;;
    esac
done

if [[ $PRINT_CONF == 1 && $UNINSTALL == 1 ]]; then
    usage_error "--print-conf and --uninstall cannot be combined"
fi
if [[ $PRINT_HOOKS == 1 && ( $PRINT_CONF == 1 || $UNINSTALL == 1 ) ]]; then
    usage_error "--print-hooks cannot be combined with --print-conf or --uninstall"
fi
if [[ -n $ONE_LOCATION_OPT && $ROOT_GIVEN == 1 ]]; then
    usage_error "--one-location DIR is the root of a self-contained OpenNebula; do not combine it with --root"
fi

# Which layout: --one-location, else ONE_LOCATION from the environment (as OpenNebula's own tools
# decide) unless --root stages a system-wide tree, else system-wide.
if [[ -z $ONE_LOCATION_OPT && $ROOT_GIVEN == 0 && -n ${ONE_LOCATION:-} ]]; then
    ONE_LOCATION_OPT=$ONE_LOCATION
fi
SHOWN=  # what oned sees in front of the layout's paths: "" system-wide (also when staged with --root)
if [[ -n $ONE_LOCATION_OPT ]]; then
    set_layout self-contained
    [[ -d $ONE_LOCATION_OPT ]] || die "self-contained OpenNebula directory does not exist: $ONE_LOCATION_OPT; nothing was changed"
    ROOT=$(CDPATH='' cd -P -- "$ONE_LOCATION_OPT" && pwd -P)
    SHOWN=${ROOT%/}
fi

# layout_text FILE: LAYOUT_TEXT = FILE's text as it must be installed in this layout; returns 1 when
# that is FILE unchanged. The source tree speaks of the system-wide paths; a self-contained OpenNebula
# has them below its directory, and a staged root has the launcher inside it.
layout_text() {
    local content old
    content=
    IFS= read -r -d '' content <"$1" || true
    old=$content
    if [[ $LAYOUT == self-contained ]]; then
        content=${content//"/usr/lib/one/onehaul"/"$SHOWN$LIB_REL"}
        content=${content//"/var/lib/one/remotes"/"$SHOWN$REMOTES_REL"}
        content=${content//"/var/lib/one/datastores"/"$SHOWN$DS_REL"}
        content=${content//"/var/lib/one/onehaul"/"$SHOWN$STATE_REL"}
        content=${content//"/etc/one/onehaul.conf"/"$SHOWN$CONF_REL"}
        content=${content//"/etc/one/onehaul/pca"/"$SHOWN$PCA_REL"}
        content=${content//"/var/log/one"/"$SHOWN$LOG_REL"}
        content=${content//$'\n'"ONEHAUL_ONE_LOCATION="$'\n'/$'\n'"ONEHAUL_ONE_LOCATION=$SHOWN"$'\n'}
        # onehem-server resolves a relative hook COMMAND against its :hook_base_path, which is
        # /var/lib/one/remotes/hooks as shipped even in a self-contained install (observed): absolute here
        content=${content//'= "onehaul/'/"= \"$SHOWN$REMOTES_REL/hooks/onehaul/"}
    elif [[ -n ${R:-} ]]; then
        content=${content//"ONEHAUL_BIN=\${ONEHAUL_BIN:-$SYS_BIN}"/"ONEHAUL_BIN=\${ONEHAUL_BIN:-$R$BIN_REL}"}
    fi
    LAYOUT_TEXT=$content
    [[ $content != "$old" ]]
}

# for_layout FILE NAME: prints the path of FILE as it must be installed (FILE itself, or a rewritten
# copy NAME in the temporary folder). Shims, hook templates, the launcher and the config pass here.
for_layout() {
    if layout_text "$1"; then
        printf '%s' "$LAYOUT_TEXT" >"$TMPDIR_ONEHAUL/$2"
        printf '%s' "$TMPDIR_ONEHAUL/$2"
    else
        printf '%s' "$1"
    fi
}

# ------------------------------------------------------------------ the oned.conf block

vm_mad_block() {
    cat <<EOF
$MARK_BEGIN
# $VMM_NAME: LXC containers with CRIU live migration (OneHaul). Every action runs on
# the front-end (-l) as $SHOWN$VMM_REL/<action>; hosts use it
# with \`onehost create <host> -i lxc -v $VMM_NAME\`.
VM_MAD = [
    NAME           = "$VMM_NAME",
    SUNSTONE_NAME  = "LXC (live migration)",
    EXECUTABLE     = "one_vmm_exec",
    ARGUMENTS      = "-t 15 -r 0 $VMM_NAME -l $LOCAL_ACTIONS",
    TYPE           = "xml",
    KEEP_SNAPSHOTS = "no"
]
# $TM_NAME: TM driver for the system datastores of $VMM_NAME hosts (OneHaul): moves
# VM folders host to host, writes context folders and volatile disks. Create the
# system datastore with TM_MAD = "$TM_NAME"; install.sh adds "$TM_NAME" to the -d
# list of TM_MAD (and --uninstall removes it again).
TM_MAD_CONF = [
    NAME            = "$TM_NAME",
    LN_TARGET       = "SYSTEM",
    CLONE_TARGET    = "SYSTEM",
    SHARED          = "NO",
    DS_MIGRATE      = "YES",
    DS_LIVE_MIGRATE = "YES",
    DS_MIGRATE_SNAP = "NO",
    ALLOW_ORPHANS   = "YES"
]
$MARK_END
EOF
}

if [[ $PRINT_CONF == 1 ]]; then
    vm_mad_block
    exit 0
fi

# The policy hooks are registered in oned (onehook create), not in a file: install.sh never does
# that itself (oned may not run yet, and registering twice makes duplicates); it prints them.
hook_names() { # the NAME of every hook template, one per line
    local t
    for t in "$SCRIPT_DIR"/hooks/*.tmpl; do
        if [[ -f $t ]]; then
            sed -n 's/^[[:blank:]]*NAME[[:blank:]]*=[[:blank:]]*"\([^"]*\)".*/\1/p' "$t"
        fi
    done
}

if [[ $PRINT_HOOKS == 1 ]]; then
    printf '# OneHaul hook templates, installed in %s/.\n' "$SHOWN$HOOKS_REL"
    printf '# Register them once as oneadmin, with oned running:\n'
    printf '#   cd %s && for t in *.tmpl; do onehook create "$t"; done\n' "$SHOWN$HOOKS_REL"
    if [[ $LAYOUT == self-contained ]]; then
        printf '# (COMMAND is absolute: onehem-server resolves a relative one against its :hook_base_path,\n'
        printf '#  /var/lib/one/remotes/hooks as shipped, even in a self-contained install)\n'
    else
        printf '# (a relative COMMAND such as "onehaul/migrate-audit" is resolved by onehem against %s)\n' \
            "${HOOKS_REL%/onehaul}"
    fi
    for t in "$SCRIPT_DIR"/hooks/*.tmpl; do
        [[ -f $t ]] || die "no hook templates in $SCRIPT_DIR/hooks"
        printf '\n# ---- %s\n' "${t##*/}"
        layout_text "$t" || true
        printf '%s' "$LAYOUT_TEXT"
    done
    exit 0
fi

# ------------------------------------------------------------------ paths

abspath() { # make a path absolute (relative to the current directory); no need to exist
    case $1 in
        /*) printf '%s' "$1" ;;
        *)  printf '%s/%s' "$(pwd -P)" "$1" ;;
    esac
}

[[ -d $ROOT ]] || die "root directory does not exist: $ROOT"
ROOT=$(CDPATH='' cd -P -- "$ROOT" && pwd -P)
R=${ROOT%/}            # "" when installing into /

if [[ -z $R && $EUID -ne 0 ]]; then
    die "installing into / needs root (run with sudo, or use --root DIR to stage elsewhere)"
fi

# The root ends up inside the shims' `ONEHAUL_BIN=${ONEHAUL_BIN:-...}` default.
case $R in
    *[\"\'\$\`\\{}\ ]* | *$'\n'* | *$'\t'*)
        die "the root directory must not contain spaces, quotes, \$, \`, \\, { or }: $R" ;;
esac

if [[ -n $ONED_CONF ]]; then
    ONED_CONF=$(abspath "$ONED_CONF")
    ONED_CONF_GIVEN=1
else
    ONED_CONF=$R$ONED_CONF_REL
    ONED_CONF_GIVEN=0
fi

# Refuse a tree that is not an OpenNebula front-end of the chosen layout: files put where oned does
# not look would be reported as installed and never run.
layout_found() {
    if [[ $LAYOUT == system ]]; then
        [[ -d $R/etc/one || -d $R/var/lib/one ]]
    else
        [[ -f $R/etc/oned.conf || -d $R/var/remotes ]]
    fi
}
if [[ $UNINSTALL == 0 ]] && ! layout_found; then
    if [[ $LAYOUT == system && ( -f $R/etc/oned.conf || -d $R/var/remotes ) ]]; then
        die "${R:-/} holds a self-contained OpenNebula ($R/etc/oned.conf, $R/var/remotes), not the system-wide layout: install into it with --one-location ${R:-/} (or with ONE_LOCATION=${R:-/} set and no --root); nothing was changed"
    elif [[ $LAYOUT == system ]]; then
        die "no OpenNebula front-end under ${R:-/}: neither $R/etc/one nor $R/var/lib/one exists. For a self-contained OpenNebula use --one-location DIR; to stage a system-wide tree, create DIR/etc/one first; nothing was changed"
    else
        die "${R:-/} is not a self-contained OpenNebula: neither $R/etc/oned.conf nor $R/var/remotes exists; nothing was changed"
    fi
fi

MANIFEST=$R$MANIFEST_REL

TMPDIR_ONEHAUL=$(mktemp -d "${TMPDIR:-/tmp}/onehaul-install.XXXXXX")
INSTALL_STARTED=0
MANIFEST_WRITTEN=0

on_exit() {
    local rc=$?
    if [[ $INSTALL_STARTED == 1 && $MANIFEST_WRITTEN == 0 ]]; then
        # Interrupted half-way: keep a record of what was created so --uninstall can remove it.
        write_manifest 2>/dev/null || true
        printf '%s: installation did not complete; what was installed is listed in %s\n' \
            "$PROG" "$MANIFEST" >&2
    fi
    rm -rf -- "$TMPDIR_ONEHAUL"
    exit "$rc"
}
trap on_exit EXIT

sha256() {
    sha256sum -- "$1" | cut -d' ' -f1
}

# ------------------------------------------------------------------ manifest
#
# One entry per line: <type> TAB <value> TAB <path>
#   d  -        dir   a directory install.sh created  (path on the target system)
#   f  -        file  a file install.sh created        (path on the target system)
#   c  sha256   file  the config file, with its checksum at installation
#   o  eol|noeol path the oned.conf that got the block (actual path); noeol = it had
#                     no final newline before install.sh appended to it
#   t  added    path  install.sh added the TM name to that oned.conf's TM_MAD -d list

declare -A OLD_D=() OLD_F=() OLD_C=() OLD_O=() OLD_T=()
declare -a OLD_ORDER=()
declare -a NEW_ENTRIES=()
declare -A SEEN=()

read_manifest() {
    [[ -f $MANIFEST ]] || return 0
    local type value path
    while IFS=$'\t' read -r type value path; do
        case $type in
            d) OLD_D[$path]=$value ;;
            f) OLD_F[$path]=$value ;;
            c) OLD_C[$path]=$value ;;
            o) OLD_O[$path]=$value ;;
            t) OLD_T[$path]=$value ;;
            *) continue ;;
        esac
        OLD_ORDER+=("$type"$'\t'"$value"$'\t'"$path")
    done <"$MANIFEST"
}

record() { # type value path
    local key=$1$'\t'$3
    [[ -n ${SEEN[$key]+x} ]] && return 0
    SEEN[$key]=1
    NEW_ENTRIES+=("$1"$'\t'"$2"$'\t'"$3")
}

write_manifest() {
    local dir=${MANIFEST%/*} tmp entry type value path rest
    [[ -d $dir ]] || return 1
    # Entries of an earlier install that this run did not touch but that still exist
    # (e.g. files dropped from a newer version) stay on the list, so --uninstall removes them.
    for entry in "${OLD_ORDER[@]}"; do
        type=${entry%%$'\t'*}; rest=${entry#*$'\t'}; value=${rest%%$'\t'*}; path=${rest#*$'\t'}
        case $type in
            d) [[ -d $R$path ]] && record d "$value" "$path" ;;
            f | c) [[ -e $R$path || -L $R$path ]] && record "$type" "$value" "$path" ;;
            o) [[ -e $path ]] && has_block_file "$path" && record o "$value" "$path" ;;
            t) [[ -f $path && $(tm_list_state "$path") == listed ]] && record t "$value" "$path" ;;
        esac
    done
    tmp=$MANIFEST.tmp.$$
    {
        printf '# OneHaul install manifest: written by install.sh, read by install.sh --uninstall.\n'
        printf '# root: %s\n' "${R:-/}"
        for entry in "${NEW_ENTRIES[@]}"; do
            printf '%s\n' "$entry"
        done
    } >"$tmp"
    chmod 644 "$tmp"
    mv -f -- "$tmp" "$MANIFEST"
    MANIFEST_WRITTEN=1
}

# ------------------------------------------------------------------ oned.conf helpers

# Prints "bad" when the markers are unbalanced, else the number of blocks.
count_blocks() {
    awk -v b="$MARK_BEGIN" -v e="$MARK_END" '
        $0 == b { if (inb) bad = 1; inb = 1; n++; next }
        $0 == e { if (!inb) bad = 1; inb = 0; next }
        END { if (inb) bad = 1; print (bad ? "bad" : n + 0) }' "$1"
}

has_block_file() {
    local n
    n=$(count_blocks "$1" 2>/dev/null) || return 1
    [[ $n != bad && $n -gt 0 ]]
}

# The text of the first block, markers included.
extract_block() {
    awk -v b="$MARK_BEGIN" -v e="$MARK_END" '
        $0 == b && !done { inb = 1 }
        inb { print; if ($0 == e) { inb = 0; done = 1 } }' "$1"
}

# The file without any marked block, and without the one blank line that
# install.sh puts in front of a block.
strip_blocks() {
    awk -v b="$MARK_BEGIN" -v e="$MARK_END" '
        inb { if ($0 == e) inb = 0; next }
        $0 == b { inb = 1; pend = 0; next }
        {
            if (pend) { print ""; pend = 0 }
            if ($0 == "") { pend = 1; next }
            print
        }
        END { if (pend) print "" }' "$1"
}

block_at_end() { # the file's last line is the end marker
    [[ $(tail -n 1 -- "$1") == "$MARK_END" ]]
}

ends_without_newline() { # non-empty and the last byte is not a newline
    [[ -s $1 ]] && [[ $(tail -c 1 -- "$1" | od -An -c | tr -d ' ') != '\n' ]]
}

backup_file() { # prints the backup's path
    local f=$1 ts b i=1
    ts=$(date +%Y%m%d-%H%M%S)
    b=$f.onehaul-backup-$ts
    while [[ -e $b ]]; do
        b=$f.onehaul-backup-$ts-$i
        i=$((i + 1))
    done
    cp -p -- "$f" "$b"
    printf '%s' "$b"
}

replace_contents() { # keep the file's inode, owner and mode
    cat -- "$2" >"$1"
}

# The -d list of oned.conf's TM_MAD entry names the enabled TM drivers; "$TM_NAME" must be in it,
# and that entry is the operator's, outside the marked block. tm_list_edit add|remove FILE prints
# FILE with "$TM_NAME" appended to (or dropped from) that one list and every other byte unchanged;
# tm_list_state FILE prints "listed", "unlisted" or "absent" (no TM_MAD entry with a -d list).
TM_LIST_AWK='
    function edit(line,   pre, post, m, flag, list, n, i, out, items) {
        if (!match(line, /-d[ \t]+[A-Za-z0-9_.,-]+/)) return line
        pre = substr(line, 1, RSTART - 1); m = substr(line, RSTART, RLENGTH); post = substr(line, RSTART + RLENGTH)
        match(m, /^-d[ \t]+/); flag = substr(m, 1, RLENGTH); list = substr(m, RLENGTH + 1)
        n = split(list, items, ",")
        found = 0
        for (i = 1; i <= n; i++) if (items[i] == name) found = 1
        state = found ? "listed" : "unlisted"
        if (mode == "add") return found ? line : pre flag list "," name post
        if (mode == "remove") {
            out = ""
            for (i = 1; i <= n; i++) if (items[i] != name) out = out (out == "" ? "" : ",") items[i]
            return out == "" ? line : pre flag out post
        }
        return line
    }
    !done && !inent && /^[ \t]*TM_MAD[ \t]*=/ { inent = 1 }
    inent && !done && $0 !~ /^[ \t]*#/ && /-d[ \t]+[A-Za-z0-9_.,-]/ { $0 = edit($0); done = 1 }
    mode != "state" { print }
    inent && /\]/ { inent = 0; done = 1 }
    END { if (mode == "state") print (state == "" ? "absent" : state) }'

tm_list_edit() { # add|remove FILE
    awk -v mode="$1" -v name="$TM_NAME" "$TM_LIST_AWK" "$2"
}

tm_list_state() { # FILE
    awk -v mode=state -v name="$TM_NAME" "$TM_LIST_AWK" "$1"
}

# ------------------------------------------------------------------ uninstall

do_uninstall() {
    read_manifest
    local have_manifest=0
    [[ -f $MANIFEST ]] && have_manifest=1

    # oned.conf: the one given, else the one recorded at install, else the default.
    local conf=$ONED_CONF noeol=0 p
    if [[ $ONED_CONF_GIVEN == 0 ]]; then
        for p in "${!OLD_O[@]}"; do conf=$p; done
    fi

    local conf_state=absent n=0
    if [[ -f $conf ]]; then
        n=$(count_blocks "$conf")
        [[ $n == bad ]] && die "$conf has a '$MARK_BEGIN' line without its '$MARK_END' line (or the reverse); fix the markers by hand and run again"
        if [[ $n -gt 0 ]]; then conf_state=block; else conf_state=noblock; fi
    fi

    if [[ $have_manifest == 0 && $conf_state != block ]]; then
        die "nothing to uninstall: no manifest at $MANIFEST and no OneHaul block in $conf"
    fi

    say "Uninstalling OneHaul from ${R:-/}"

    # The TM name leaves the TM_MAD -d list only if install.sh put it there.
    local tm_added=0 tm_note=
    if [[ -f $conf && -n ${OLD_T[$conf]+x} && $(tm_list_state "$conf") == listed ]]; then
        tm_added=1
        tm_note=" and \"$TM_NAME\" from the TM_MAD -d list"
    fi

    if [[ $conf_state == block ]]; then
        local new=$TMPDIR_ONEHAUL/oned.conf.new backup
        # strip_blocks ends every line with a newline. Put back a missing final newline:
        # the one recorded at install when the block is still last, else the file's own.
        if block_at_end "$conf"; then
            [[ ${OLD_O[$conf]:-} == noeol ]] && noeol=1
        elif ends_without_newline "$conf"; then
            noeol=1
        fi
        strip_blocks "$conf" >"$new"
        if [[ $tm_added == 1 ]]; then
            tm_list_edit remove "$new" >"$new.tm"
            mv -f -- "$new.tm" "$new"
        fi
        if [[ $noeol == 1 && -s $new ]] && ! ends_without_newline "$new"; then
            truncate -s -1 -- "$new"
        fi
        backup=$(backup_file "$conf")
        replace_contents "$conf" "$new"
        say "  $conf: removed the OneHaul block$tm_note (backup: $backup)"
    elif [[ $tm_added == 1 ]]; then
        local new=$TMPDIR_ONEHAUL/oned.conf.new backup
        tm_list_edit remove "$conf" >"$new"
        if ends_without_newline "$conf" && ! ends_without_newline "$new"; then
            truncate -s -1 -- "$new"
        fi
        backup=$(backup_file "$conf")
        replace_contents "$conf" "$new"
        say "  $conf: no OneHaul block; removed \"$TM_NAME\" from the TM_MAD -d list (backup: $backup)"
    elif [[ $conf_state == noblock ]]; then
        say "  $conf: no OneHaul block, left unchanged"
    else
        say "  $conf: not found, nothing to remove there"
    fi

    local entry type value path removed=0 kept_conf=() kept_dirs=() dirs=()
    for entry in "${OLD_ORDER[@]}"; do
        type=${entry%%$'\t'*}; p=${entry#*$'\t'}; value=${p%%$'\t'*}; path=${p#*$'\t'}
        case $type in
            f)
                if [[ -L $R$path || -f $R$path ]]; then
                    rm -f -- "$R$path"; removed=$((removed + 1))
                fi ;;
            c)
                if [[ -f $R$path ]]; then
                    if [[ $(sha256 "$R$path") == "$value" ]]; then
                        rm -f -- "$R$path"; removed=$((removed + 1))
                    else
                        kept_conf+=("$R$path")
                    fi
                fi ;;
            d)
                dirs+=("$path") ;;
        esac
    done
    if [[ $have_manifest == 1 ]]; then
        rm -f -- "$MANIFEST"
    fi
    # Deepest directories first.
    local d
    while IFS= read -r d; do
        [[ -n $d ]] || continue
        if [[ -d $R$d ]]; then
            if rmdir -- "$R$d" 2>/dev/null; then
                removed=$((removed + 1))
            else
                kept_dirs+=("$R$d")
            fi
        fi
    done < <(for d in "${dirs[@]}"; do printf '%s\t%s\n' "${#d}" "$d"; done | sort -t $'\t' -k1,1nr | cut -f2-)

    say "  removed $removed installed files and directories"
    for p in "${kept_conf[@]}"; do
        say "  kept $p: it was changed after installation (remove it by hand if it is no longer needed)"
    done
    for p in "${kept_dirs[@]}"; do
        say "  kept directory $p: it is not empty"
    done
    if [[ $have_manifest == 0 ]]; then
        say "  note: no install manifest was found at $MANIFEST, so no files were removed"
    fi
    say ""
    say "Next: restart oned (e.g. systemctl restart opennebula) so that it drops the $VMM_NAME driver."
    local names
    names=$(hook_names | tr '\n' ' ')
    if [[ -n ${names// /} ]]; then
        say "If the OneHaul hooks were registered, remove them as oneadmin: onehook delete ${names% }"
    fi
}

if [[ $UNINSTALL == 1 ]]; then
    do_uninstall
    exit 0
fi

# ------------------------------------------------------------------ install: checks first

[[ -n $JAR ]] || JAR=$SCRIPT_DIR/target/onehaul.jar
JAR=$(abspath "$JAR")
[[ -f $JAR ]] || die "jar not found: $JAR (build it with \`mvn package\`, or pass --jar PATH); nothing was changed"

SRC_BIN=$SCRIPT_DIR/bin/onehaul
SRC_VMM=$SCRIPT_DIR/remotes/vmm/$VMM_NAME
SRC_TM=$SCRIPT_DIR/remotes/tm
SRC_HOOKS=$SCRIPT_DIR/hooks
SRC_CONF=$SCRIPT_DIR/etc/onehaul.conf
[[ -f $SRC_BIN ]] || die "missing $SRC_BIN: run install.sh from a complete OneHaul source tree"
[[ -d $SRC_VMM ]] || die "missing $SRC_VMM: run install.sh from a complete OneHaul source tree"
[[ -f $SRC_CONF ]] || die "missing $SRC_CONF: run install.sh from a complete OneHaul source tree"

CONF_STATE=absent
if [[ -e $ONED_CONF ]]; then
    [[ -f $ONED_CONF ]] || die "$ONED_CONF is not a regular file"
    [[ -r $ONED_CONF && -w $ONED_CONF ]] || die "cannot read and write $ONED_CONF"
    N_BLOCKS=$(count_blocks "$ONED_CONF")
    [[ $N_BLOCKS == bad ]] && die "$ONED_CONF has a '$MARK_BEGIN' line without its '$MARK_END' line (or the reverse); fix the markers by hand and run again; nothing was changed"
    CONF_STATE=present
fi

read_manifest
INSTALL_STARTED=1

# ------------------------------------------------------------------ install: files

CREATED=0
UPDATED=0
UNCHANGED=0

ensure_dir() { # path on the target system
    local rel=${1#/} p='' part
    local -a parts=()
    IFS=/ read -r -a parts <<<"$rel"
    for part in "${parts[@]}"; do
        [[ -n $part ]] || continue
        p=$p/$part
        if [[ ! -d $R$p ]]; then
            [[ -e $R$p || -L $R$p ]] && die "$R$p exists and is not a directory"
            mkdir -m 755 -- "$R$p"
            record d - "$p"
        elif [[ -n ${OLD_D[$p]+x} ]]; then
            record d - "$p"
        fi
    done
}

# install_file SRC DEST_REL MODE
install_file() {
    local src=$1 rel=$2 mode=$3 dst tmp
    dst=$R$rel
    ensure_dir "${rel%/*}"
    if [[ -e $dst || -L $dst ]]; then
        [[ -d $dst && ! -L $dst ]] && die "$dst is a directory; expected a file"
        if [[ -n ${OLD_F[$rel]+x} ]]; then
            record f - "$rel"
        else
            say "  warning: replacing $dst, which was not installed by OneHaul (--uninstall will leave it)" >&2
        fi
        if [[ ! -L $dst ]] && cmp -s -- "$src" "$dst"; then
            chmod "$mode" -- "$dst"
            UNCHANGED=$((UNCHANGED + 1))
            return 0
        fi
        UPDATED=$((UPDATED + 1))
        # A new inode (write, then rename): a running driver keeps reading the old file.
        tmp=${dst%/*}/.onehaul-tmp.$$
        install -m "$mode" -- "$src" "$tmp"
        mv -f -- "$tmp" "$dst"
    else
        record f - "$rel"
        CREATED=$((CREATED + 1))
        install -m "$mode" -- "$src" "$dst"
    fi
}

# install_tree SRC_DIR DEST_REL: every file below SRC_DIR, keeping the layout
install_tree() {
    local src=$1 dest=$2 f rel
    [[ -d $src ]] || return 0
    ensure_dir "$dest"
    local from
    while IFS= read -r -d '' f; do
        rel=${f#"$src"/}
        from=$(for_layout "$f" "tree.${rel//\//.}")
        if [[ -x $f ]]; then
            install_file "$from" "$dest/$rel" 755
        else
            install_file "$from" "$dest/$rel" 644
        fi
    done < <(find "$src" -type f ! -name '*~' ! -name '.*' -print0 | sort -z)
}

# install_link TARGET LINK_REL: a symlink, recorded like a file (uninstall removes it).
install_link() {
    local target=$1 rel=$2 dst
    dst=$R$rel
    ensure_dir "${rel%/*}"
    if [[ -L $dst && $(readlink -- "$dst") == "$target" ]]; then
        [[ -n ${OLD_F[$rel]+x} ]] && record f - "$rel"
        UNCHANGED=$((UNCHANGED + 1))
        return 0
    fi
    if [[ -e $dst || -L $dst ]]; then
        if [[ -z ${OLD_F[$rel]+x} ]]; then
            say "  warning: $dst exists and was not installed by OneHaul; left as it is (run $R$BIN_REL instead)" >&2
            return 0
        fi
        rm -f -- "$dst"
        UPDATED=$((UPDATED + 1))
    else
        CREATED=$((CREATED + 1))
    fi
    ln -s -- "$target" "$dst"
    record f - "$rel"
}

# DATASTORE_LOCATION of oned.conf, when the operator set it: oned writes TM paths below it.
oned_datastore_location() {
    [[ -f $ONED_CONF ]] || return 0
    sed -n 's/^[[:blank:]]*DATASTORE_LOCATION[[:blank:]]*=[[:blank:]]*"\{0,1\}\([^"#[:blank:]]*\)"\{0,1\}.*/\1/p' \
        "$ONED_CONF" | tail -n 1
}

say "Installing OneHaul into ${R:-/} ($LAYOUT layout)"

install_file "$JAR" "$JAR_REL" 644
install_file "$(for_layout "$SRC_BIN" launcher)" "$BIN_REL" 755
install_link "$R$BIN_REL" "$LINK_REL"

# VMM shims; their ONEHAUL_BIN default points at the launcher as installed.
ensure_dir "$VMM_REL"
SHIMS=0
while IFS= read -r -d '' f; do
    name=${f##*/}
    install_file "$(for_layout "$f" "shim.$name")" "$VMM_REL/$name" 755
    SHIMS=$((SHIMS + 1))
done < <(find "$SRC_VMM" -mindepth 1 -maxdepth 1 -type f ! -name '*~' ! -name '.*' -print0 | sort -z)

# TM drivers (remotes/tm/<name>/<action>): shims too, so their ONEHAUL_BIN default is rewritten the same way.
TM_NAMES=()
if [[ -d $SRC_TM ]]; then
    while IFS= read -r -d '' d; do
        TM_NAMES+=("${d##*/}")
    done < <(find "$SRC_TM" -mindepth 1 -maxdepth 1 -type d -print0 | sort -z)
    ensure_dir "$TM_REL"
    while IFS= read -r -d '' f; do
        rel=${f#"$SRC_TM"/}
        src=$(for_layout "$f" "tm.${rel//\//.}")
        if [[ -x $f ]]; then
            install_file "$src" "$TM_REL/$rel" 755
        else
            install_file "$src" "$TM_REL/$rel" 644
        fi
    done < <(find "$SRC_TM" -type f ! -name '*~' ! -name '.*' -print0 | sort -z)
fi

install_tree "$SRC_HOOKS" "$HOOKS_REL"

# Operator config: only when there is none.
CONF_NOTE=
if [[ -e $R$CONF_REL || -L $R$CONF_REL ]]; then
    if [[ -n ${OLD_C[$CONF_REL]+x} ]]; then
        record c "${OLD_C[$CONF_REL]}" "$CONF_REL"
        CONF_NOTE="kept $R$CONF_REL (installed by an earlier run; a config is never overwritten)"
    else
        CONF_NOTE="kept the existing $R$CONF_REL (not overwritten; compare with $SRC_CONF for new keys)"
    fi
else
    ensure_dir "${CONF_REL%/*}"
    cp -- "$(for_layout "$SRC_CONF" onehaul.conf)" "$R$CONF_REL"
    DS_LOCATION=$(oned_datastore_location)
    if [[ -n $DS_LOCATION ]]; then
        # oned writes TM and VMM paths below its DATASTORE_LOCATION, so the driver must expect them there
        sed -i "s|^datastore.location = .*|datastore.location = ${DS_LOCATION//|/\\|}|" "$R$CONF_REL"
    fi
    chmod 644 -- "$R$CONF_REL"
    record c "$(sha256 "$R$CONF_REL")" "$CONF_REL"
    CONF_NOTE="installed $R$CONF_REL"
    CREATED=$((CREATED + 1))
fi

# ------------------------------------------------------------------ install: oned.conf

BLOCK=$TMPDIR_ONEHAUL/block
vm_mad_block >"$BLOCK"
ONED_NOTE=
TM_STATE=absent
if [[ $CONF_STATE == present ]]; then
    TM_STATE=$(tm_list_state "$ONED_CONF")
    if [[ $N_BLOCKS == 1 && $TM_STATE != unlisted ]] && cmp -s -- "$BLOCK" <(extract_block "$ONED_CONF"); then
        ONED_NOTE="$ONED_CONF already has the OneHaul block; left unchanged"
        record o "${OLD_O[$ONED_CONF]:-eol}" "$ONED_CONF"
        if [[ $TM_STATE == listed && -n ${OLD_T[$ONED_CONF]+x} ]]; then
            record t added "$ONED_CONF"
        fi
    else
        NEW=$TMPDIR_ONEHAUL/oned.conf.new
        if [[ $N_BLOCKS -gt 0 ]]; then
            # Outdated block (e.g. an upgrade): drop it, append the current one.
            strip_blocks "$ONED_CONF" >"$NEW"
            if block_at_end "$ONED_CONF"; then
                EOL_STATE=${OLD_O[$ONED_CONF]:-eol}
            elif ends_without_newline "$ONED_CONF"; then
                EOL_STATE=noeol
            else
                EOL_STATE=eol
            fi
        else
            cp -- "$ONED_CONF" "$NEW"
            EOL_STATE=eol
            if ends_without_newline "$NEW"; then
                printf '\n' >>"$NEW"
                EOL_STATE=noeol
            fi
        fi
        # NEW ends with a newline here, so awk changes nothing but the -d list.
        if [[ $TM_STATE == unlisted ]]; then
            tm_list_edit add "$NEW" >"$NEW.tm"
            mv -f -- "$NEW.tm" "$NEW"
        fi
        printf '\n' >>"$NEW"
        cat -- "$BLOCK" >>"$NEW"
        BACKUP=$(backup_file "$ONED_CONF")
        replace_contents "$ONED_CONF" "$NEW"
        record o "$EOL_STATE" "$ONED_CONF"
        if [[ $TM_STATE == unlisted || ( $TM_STATE == listed && -n ${OLD_T[$ONED_CONF]+x} ) ]]; then
            record t added "$ONED_CONF"
        fi
        if [[ $N_BLOCKS -gt 0 ]]; then
            ONED_NOTE="$ONED_CONF: replaced the outdated OneHaul block (backup: $BACKUP)"
        else
            ONED_NOTE="$ONED_CONF: added the $VMM_NAME VM_MAD block (backup: $BACKUP)"
        fi
        if [[ $TM_STATE == unlisted ]]; then
            ONED_NOTE="$ONED_NOTE; added \"$TM_NAME\" to the TM_MAD -d list"
        fi
    fi
    if [[ $TM_STATE == absent ]]; then
        say "  warning: $ONED_CONF has no TM_MAD entry with a -d list; add $TM_NAME to the list of enabled TM drivers by hand" >&2
    fi
    if strip_blocks "$ONED_CONF" | grep -q "\"$TM_NAME\""; then
        say "  warning: $ONED_CONF mentions \"$TM_NAME\" outside the OneHaul block; make sure there is only one TM_MAD_CONF named $TM_NAME" >&2
    fi
    if strip_blocks "$ONED_CONF" | grep -q "\"$VMM_NAME\""; then
        say "  warning: $ONED_CONF mentions \"$VMM_NAME\" outside the OneHaul block; make sure there is only one VM_MAD named $VMM_NAME" >&2
    fi
fi

# ------------------------------------------------------------------ install: ownership, manifest

write_manifest

CHOWN_NOTE="files left owned by $(id -un)"
if [[ $NO_CHOWN == 1 ]]; then
    CHOWN_NOTE="--no-chown: $CHOWN_NOTE"
elif id -u oneadmin >/dev/null 2>&1; then
    for entry in "${NEW_ENTRIES[@]}"; do
        type=${entry%%$'\t'*}; rest=${entry#*$'\t'}; path=${rest#*$'\t'}
        case $type in
            f | c) chown -h oneadmin:oneadmin -- "$R$path" ;;
            d)
                case $path in
                    "$LIB_REL" | "$LIB_REL"/* | "$REMOTES_REL"/*) chown oneadmin:oneadmin -- "$R$path" ;;
                esac ;;
        esac
    done
    chown oneadmin:oneadmin -- "$MANIFEST"
    CHOWN_NOTE="owner set to oneadmin:oneadmin"
else
    CHOWN_NOTE="no user oneadmin here: $CHOWN_NOTE"
fi

# ------------------------------------------------------------------ summary

say "  $R$JAR_REL, $R$BIN_REL (on the PATH as $R$LINK_REL)"
say "  $SHIMS VMM action shims in $R$VMM_REL/"
if [[ ${#TM_NAMES[@]} -gt 0 ]]; then
    say "  TM drivers in $R$TM_REL/: ${TM_NAMES[*]}"
fi
say "  hooks in $R$HOOKS_REL/"
say "  $CONF_NOTE"
say "  files: $CREATED new, $UPDATED updated, $UNCHANGED already up to date; $CHOWN_NOTE"
say "  manifest: $MANIFEST (used by --uninstall)"
if [[ $CONF_STATE == present ]]; then
    say "  $ONED_NOTE"
else
    say ""
    say "$ONED_CONF does not exist, so it was not edited. Add this block to the"
    say "front-end's oned.conf (\`$PROG --print-conf\` prints it again), or run the installer"
    say "again with --oned-conf PATH; then restart oned. Also add $TM_NAME to the -d list"
    say "of the TM_MAD entry there (ARGUMENTS = \"... -d ...,$TM_NAME\")."
    say ""
    cat -- "$BLOCK"
fi
say ""
say "Next steps:"
say "  1. restart oned (e.g. systemctl restart opennebula) so that it loads the $VMM_NAME driver"
say "  2. run \`onehost sync --force\` as oneadmin to copy the new remotes to the hosts"
say "  3. add or switch LXC hosts to the driver: onehost create <host> -i lxc -v $VMM_NAME"
say "  4. give their system datastore the $TM_NAME TM: TYPE = SYSTEM_DS, TM_MAD = $TM_NAME"
say "  5. once the policy's PCA files are in place, register the policy hooks as oneadmin (once):"
say "     cd $SHOWN$HOOKS_REL && for t in *.tmpl; do onehook create \"\$t\"; done   (\`$PROG --print-hooks\` shows them)"
