#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# piglit's OpenCL tests (Debian's piglit package, unchanged) against an
# OpenCL implementation, with piglit's own runner (issue 16).
#
#   tools/piglit-cl.sh fetch
#       Extract the OpenCL part of the pinned piglit package (downloaded
#       once into $VSVM_CACHE) into $VSVM_BUILD/piglit-cl: the cl-* programs,
#       their two libraries, the test files, the cl profile and piglit's
#       framework, 7 MB of the package's 2 GB. Prints that directory.
#   tools/piglit-cl.sh run vsvm|pocl OUT [fast|full]
#       Run the tests on one implementation, the ICD loader pointed at its
#       .icd alone: vsvm's of the build tree (VSVM_OPENCL_BACKEND says
#       device or emu) or PoCL's. fast: the tests of $fast_list; full: the
#       whole cl profile; PIGLIT_TEST_LIST names another list for fast.
#       Writes OUT/results.json.bz2 and OUT/results.csv.
#   tools/piglit-cl.sh check OUT [SUITE]
#       One line "RESULT SUITE <test> PASS|FAIL|SKIP" per test of a vsvm
#       run, judged against the known failures ($fails): a pass, or a
#       skip, is what it is; a listed failure that fails the way listed is
#       SKIP; an unlisted failure, a failure of another kind, and a listed
#       test that passes (the list is stale) are FAIL.
#   tools/piglit-cl.sh table VSVM_OUT POCL_OUT
#       The side-by-side table, per group, in Markdown (docs/piglit-cl.md),
#       and the tests that PoCL passes and vsvm does not, each with its
#       entry in the known failures. Exits 1 when one has no entry.
#
# The interop@ tests are left out: they need EGL and a GL context, which
# neither implementation under test offers.
set -euo pipefail
source "$(dirname "$0")/vm/common.sh"
build=${VSVM_BUILD:-$VSVM_ROOT/build}

PIGLIT_VERSION=0~git20220119-124bca3c9-1
piglit_dir=$build/piglit-cl
fails=$VSVM_ROOT/umd/tests/opencl/piglit-cl-fails.txt
fast_list=${PIGLIT_TEST_LIST:-$VSVM_ROOT/umd/tests/opencl/piglit-cl-fast.txt}
python=/usr/bin/python3 # Debian's, which has python3-mako

fetch() {
	if [ -f "$piglit_dir/.complete" ]; then
		echo "$piglit_dir"
		return
	fi
	local deb=$VSVM_CACHE/piglit_${PIGLIT_VERSION//\~/_}_amd64.deb tmp lib
	if [ ! -f "$deb" ]; then
		mkdir -p "$VSVM_CACHE"
		tmp=$(mktemp -d "$VSVM_CACHE/piglit-download.XXXXXX")
		(cd "$tmp" && apt-get download -q "piglit=$PIGLIT_VERSION" >&2) ||
			vsvm_die "cannot download piglit $PIGLIT_VERSION"
		mv "$tmp"/piglit_*.deb "$deb"
		rmdir "$tmp"
	fi
	tmp=$(mktemp -d "$build/piglit-extract.XXXXXX")
	lib=./usr/lib/x86_64-linux-gnu/piglit
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards ./usr/bin/piglit "$lib/framework" \
		"$lib/templates" "$lib/bin/cl-*" "$lib/lib/libpiglitutil.so*" "$lib/lib/libpiglitutil_cl.so*" \
		"$lib/tests/__init__.py" "$lib/tests/cl" "$lib/tests/cl.xml.gz" "$lib/generated_tests/cl"
	# piglit's runner finds its framework, bin/ and lib/ next to itself.
	mv "$tmp/usr/bin/piglit" "$tmp/$lib/"
	rm -rf "$piglit_dir"
	mv "$tmp/$lib" "$piglit_dir"
	rm -rf "$tmp"
	touch "$piglit_dir/.complete"
	echo "$piglit_dir"
}

run() {
	local impl=$1 out subset=${3:-full} vendors args=()
	out=$(realpath -m "$2")
	case "$impl" in
	vsvm) vendors=$build/umd/opencl/vendors ;;
	pocl) vendors=/etc/OpenCL/vendors/pocl.icd ;;
	*) vsvm_die "unknown implementation $impl (vsvm or pocl)" ;;
	esac
	[ -e "$vendors" ] || vsvm_die "$vendors missing"
	case "$subset" in
	fast) args+=(--test-list "$fast_list") ;;
	full) ;;
	*) vsvm_die "unknown subset $subset (fast or full)" ;;
	esac
	fetch >/dev/null
	rm -rf "$out"
	mkdir -p "$(dirname "$out")"
	# The timeout is piglit's per test (PIGLIT_TIMEOUT seconds, default
	# 120); a build on the device's guest (clang under TCG) takes seconds,
	# never a minute, but the longest kernels there take more (make
	# conformance's guest gives them 600).
	(cd "$piglit_dir" &&
		LD_LIBRARY_PATH=$piglit_dir/lib OCL_ICD_VENDORS=$vendors HOME=${HOME:-/tmp} \
			$python ./piglit run -j "$(nproc)" --timeout "${PIGLIT_TIMEOUT:-120}" -l dummy -x '^interop@' "${args[@]}" \
			cl "$out") || vsvm_die "piglit did not finish"
	# (Written aside: piglit reads every file of the directory as results.)
	(cd "$piglit_dir" && $python ./piglit summary csv "$out") >"$out.csv"
	mv "$out.csv" "$out/results.csv"
	awk -F, '{print $NF}' "$out/results.csv" | sort | uniq -c | tr '\n' ' ' >&2
	echo >&2
}

# The known failures as "test<TAB>result<TAB>reason": the file has lines
# "test,result" (piglit's result: fail, crash, skip, timeout), each group
# under the "# " comment lines that give its reason; a blank line ends a
# group.
expected() {
	awk '
		/^[[:space:]]*$/ { reason = ""; more = 0; next }
		/^#/ { sub(/^# ?/, ""); reason = more ? reason " " $0 : $0; more = 1; next }
		{ more = 0; n = split($0, f, ","); print f[1] "\t" f[n] "\t" reason }' "$fails"
}

check() {
	local out=$1 suite=${2:-piglit-cl}
	[ -s "$out/results.csv" ] || vsvm_die "$out/results.csv missing"
	awk -F, -v OFS='\t' '{print $1, $NF}' "$out/results.csv" |
		awk -F'\t' -v expected=<(expected) -v suite="$suite" '
		BEGIN { while ((getline line < expected) > 0) { split(line, f, "\t"); want[f[1]] = f[2] } }
		{
			name = $1; got = $2; gsub(/ /, "_", name)
			w = ($1 in want) ? want[$1] : "pass"
			if (got == "pass") status = (w == "pass") ? "PASS" : "FAIL"
			else if (got == "skip") status = (w == "pass" || w == "skip") ? "SKIP" : "FAIL"
			else status = (got == w) ? "SKIP" : "FAIL"
			if (status == "FAIL")
				printf "%s: %s: %s, expected %s\n", suite, $1, got, w > "/dev/stderr"
			print "RESULT " suite " " name " " status
		}'
}

table() {
	local vsvm=$1 pocl=$2
	if [ ! -s "$vsvm/results.csv" ] || [ ! -s "$pocl/results.csv" ]; then vsvm_die "results.csv missing"; fi
	awk -F, -v OFS='\t' '{print $1, $NF}' "$vsvm/results.csv" | sort >"$vsvm/results.tsv"
	awk -F, -v OFS='\t' '{print $1, $NF}' "$pocl/results.csv" | sort >"$pocl/results.tsv"
	join -t $'\t' -a 1 -a 2 -e missing -o 0,1.2,2.2 "$vsvm/results.tsv" "$pocl/results.tsv" |
		gawk -F'\t' -v expected=<(expected) '
		BEGIN { while ((getline line < expected) > 0) { split(line, f, "\t"); want[f[1]] = f[2]; why[f[1]] = f[3] } }
		function group(name,   p, n) {
			n = split(name, p, "@")
			if (p[1] == "program" && p[2] == "execute" && n > 3) return p[1] "@" p[2] "@" p[3]
			if (p[1] == "program" && n > 2) return p[1] "@" p[2]
			return p[1]
		}
		function bucket(r) { return (r == "pass" || r == "fail" || r == "skip" || r == "crash") ? r : "other" }
		{
			g = group($1); groups[g] = 1
			n[g, "vsvm", bucket($2)]++; n[g, "pocl", bucket($3)]++
			n["all", "vsvm", bucket($2)]++; n["all", "pocl", bucket($3)]++
			if ($3 == "pass" && $2 != "pass") {
				gap[++gaps] = $1 "\t" $2 "\t" (($1 in want) ? want[$1] : "") "\t" why[$1]
			}
		}
		END {
			print "| group | vsvm pass | fail | skip | crash | other | PoCL pass | fail | skip | crash | other |"
			print "|---|---|---|---|---|---|---|---|---|---|---|"
			m = asorti(groups, sorted)
			sorted[m + 1] = "all"
			for (i = 1; i <= m + 1; i++) {
				g = sorted[i]
				line = "| " (g == "all" ? "**all**" : g)
				for (s = 0; s < 2; s++)
					for (b = 1; b <= 5; b++) {
						split("pass fail skip crash other", bs, " ")
						line = line " | " (n[g, s ? "pocl" : "vsvm", bs[b]] + 0)
					}
				print line " |"
			}
			printf "\n%d tests that PoCL passes and vsvm does not:\n\n", gaps
			print "| test | vsvm | reason (piglit-cl-fails.txt) |"
			print "|---|---|---|"
			missing = 0
			for (i = 1; i <= gaps; i++) {
				split(gap[i], f, "\t")
				if (f[3] == "") missing++
				printf "| %s | %s | %s |\n", f[1], f[2], f[3] == "" ? "**not listed**" : f[4]
			}
			exit missing > 0
		}'
}

cmd=${1:-}
shift || true
case "$cmd" in
fetch) fetch ;;
run) run "$@" ;;
check) check "$@" ;;
table) table "$@" ;;
*) vsvm_die "usage: $0 fetch | run vsvm|pocl OUT [fast|full] | check OUT [SUITE] | table VSVM_OUT POCL_OUT" ;;
esac
