# SPDX-License-Identifier: GPL-2.0
# Out-of-tree build of the Rust mdev core, and the test bed.
#   make             build the modules against KDIR (default: the cached test kernel)
#   make check       build, boot the test kernels under QEMU, run every test
#   make quick       the inner loop: our core's boot with KUnit and the ABI checks only
#   make demo|shell  show the core at work (UDEV=1: also udev/mdevctl autostart) / guest shell
#   make bench       both cores side by side on a non-sanitizer kernel, on the wall clock and on
#                    an instruction clock (tables in build/bench; PROFILE=1: also perf profiles;
#                    QUICK=1: the instruction clock alone, rows up to 10,000 live, in build/bench-quick;
#                    PROFILE=insn: instructions per kernel function of both cores, in build/bench-insn)
#   make intree-series the in-tree version as a git format-patch series against pristine 7.3.4
#                    in build/series, checked with git am and checkpatch (make check builds
#                    each prefix and boots the tip)
# Variables: KDIR, O, LLVM (as Kbuild users expect), EXTRA_TESTS=<dir>, T=<globs>, INTREE=0,
# ACCEL=kvm|tcg.
ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else
export KDIR O LLVM EXTRA_TESTS T CLIPPY INTREE UDEV PROFILE ACCEL

.PHONY: all modules check quick bench demo shell deps kernel intree-series clean
all modules:
	@bash scripts/check.sh build
check:
	@bash scripts/check.sh check
quick:
	@bash scripts/check.sh quick
bench:
	@bash scripts/check.sh bench
demo:
	@bash scripts/check.sh demo
shell:
	@bash scripts/check.sh shell
deps:
	@bash scripts/deps.sh
kernel:
	@bash scripts/kernel.sh debug
intree-series:
	@bash scripts/deps.sh && bash scripts/series.sh gen build/series >/dev/null && \
		bash scripts/series.sh check build/series && echo "series in build/series"
clean:
	rm -rf build
endif
