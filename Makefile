# recipe: one non-recursive Makefile. `make V=1` shows full commands.
#
#   make            build build/recipe
#   make check      unit tests (the kernel-facing ones need root)
#   make golden     generated C against tests/golden/ (golden-update rewrites)
#   make integration  real BPF tests (root)
#   make asan-check unit tests again with ASan and UBSan, in build-asan/
#   make asan       asan-check, then the integration tests there (root)
#   make catalogue  docs/catalogue.md from the recipes (root)
#   make test-vm    the kernel lab: lab/cases on Debian's 6.1 under qemu
#   make test       install missing packages, build, run every test
#   make demo       install missing packages, build, run disk/rwbs-bytes
#   make install    PREFIX=/usr/local DESTDIR=

OUTPUT  ?= build
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/recipe
# systemd reads units from /usr/local/lib/systemd/system too
UNITDIR ?= $(PREFIX)/lib/systemd/system
VERSION := 0.1.0

CC      ?= cc
MULTIARCH := $(shell $(CC) -print-multiarch)
# As libbpf-tools does: CFLAGS and LDFLAGS are the user's (optimisation,
# debugging; `make CFLAGS=-O0` keeps everything else), the language,
# warnings, defines and include paths live in their own variables.
CFLAGS  ?= -O2 -g
LDFLAGS ?=
WARNINGS := -Wall -Wextra -Werror -Wno-missing-field-initializers
DEFINES  := -D_GNU_SOURCE -DRECIPE_VERSION='"$(VERSION)"' \
	    -DRECIPE_DATADIR='"$(DATADIR)"' \
	    -DRECIPE_MULTIARCH_INCLUDE='"/usr/include/$(MULTIARCH)"'
INCLUDES := -Iengine -I. -I$(OUTPUT)/gen
# SANITIZE is set by `make asan` for its own build directory.
SANITIZE ?=
ALL_CFLAGS  = -std=gnu11 $(WARNINGS) $(DEFINES) $(INCLUDES) -MMD -MP \
	      $(SANITIZE) $(CFLAGS)
ALL_LDFLAGS = $(SANITIZE) $(LDFLAGS)
LDLIBS  += -lbpf -lelf -lz -lcyaml -lyaml -ljson-c -lxxhash -lmicrohttpd -lpthread

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIB_SRCS   := $(sort $(shell find engine bpf-gen -name '*.c'))
LIB_OBJS   := $(LIB_SRCS:%.c=$(OUTPUT)/%.o) $(OUTPUT)/templates.o
CLI_SRCS   := $(sort $(wildcard cli/*.c))
CLI_OBJS   := $(CLI_SRCS:%.c=$(OUTPUT)/%.o)
TEMPLATES  := $(sort $(shell find templates -type f))
UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(OUTPUT)/tests/%)
INTEG_SRCS := $(sort $(wildcard tests/integration/test_*.c))
INTEG_BINS := $(INTEG_SRCS:tests/integration/%.c=$(OUTPUT)/tests/%)
HARNESS_OBJ := $(OUTPUT)/tests/integration/harness.o
WORKLOAD   := $(OUTPUT)/tests/rcp-wl
ASAN_OUTPUT := build-asan
# gcc's UBSan instrumentation makes -Wstringop-overread see a zero-sized
# region in strstr(line + 1, ...) after a NULL check (test_pair.c): a
# false positive of the sanitized build only, so only it drops the warning.
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer -Wno-stringop-overread

.PHONY: all check integration asan asan-check test test-vm demo deps install clean bench catalogue
.DELETE_ON_ERROR:
.SECONDARY: $(HARNESS_OBJ)

all: $(OUTPUT)/recipe $(WORKLOAD)

$(OUTPUT)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# Templates are embedded in the binary (.incbin), so `recipe` runs from
# any directory; engine/../bpf-gen/tmpl.c looks them up by path.
$(OUTPUT)/templates.S: $(TEMPLATES) Makefile
	$(call msg,GEN,$@)
	@mkdir -p $(@D)
	$(Q){ printf '\t.section .data.rel.ro,"aw"\n\t.global recipe_templates\n\t.balign 8\nrecipe_templates:\n'; \
	  i=0; for f in $(TEMPLATES); do \
	    printf '\t.quad .Lname%d, .Ldata%d, .Lend%d - .Ldata%d\n' $$i $$i $$i $$i; i=$$((i+1)); done; \
	  printf '\t.quad 0, 0, 0\n\t.section .rodata\n'; \
	  i=0; for f in $(TEMPLATES); do \
	    printf '.Lname%d:\n\t.asciz "%s"\n.Ldata%d:\n\t.incbin "%s"\n.Lend%d:\n\t.byte 0\n' $$i "$${f#templates/}" $$i "$$f" $$i; \
	    i=$$((i+1)); done; \
	  printf '\t.section .note.GNU-stack,"",@progbits\n'; } > $@

# Syscall names for syscall_name(), from the kernel headers of the build
# machine (numbers are ABI: they never change, new ones are appended).
UNISTD_H ?= /usr/include/$(MULTIARCH)/asm/unistd_64.h
$(OUTPUT)/gen/syscall_names.h: Makefile
	$(call msg,GEN,$@)
	@mkdir -p $(@D)
	$(Q){ echo '/* Generated from $(UNISTD_H) by the Makefile. */'; \
	  echo 'static const char *const syscall_names[] = {'; \
	  if [ -r $(UNISTD_H) ]; then \
	    sed -n 's/^#define __NR_\([a-z0-9_]*\)[[:space:]][[:space:]]*\([0-9][0-9]*\).*/\t[\2] = "\1",/p' $(UNISTD_H); \
	  else echo '	NULL,	/* no unistd_64.h here: ids print as numbers */'; \
	  fi; \
	  echo '};'; } > $@

$(OUTPUT)/engine/run/display.o: $(OUTPUT)/gen/syscall_names.h

$(OUTPUT)/templates.o: $(OUTPUT)/templates.S
	$(call msg,AS,$@)
	$(Q)$(CC) -c $< -o $@

$(OUTPUT)/librecipe.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/recipe: $(CLI_OBJS) $(OUTPUT)/librecipe.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUTPUT)/tests/%: tests/unit/%.c $(OUTPUT)/librecipe.a
	$(call msg,TEST,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Itests -o $@ $< $(OUTPUT)/librecipe.a $(LDLIBS) -lcmocka

$(OUTPUT)/tests/%: tests/integration/%.c $(HARNESS_OBJ) $(OUTPUT)/librecipe.a
	$(call msg,TEST,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Itests -o $@ $< $(HARNESS_OBJ) $(OUTPUT)/librecipe.a $(LDLIBS) -lcmocka

$(WORKLOAD): tests/workload/rcp-wl.c Makefile
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 $(WARNINGS) -D_GNU_SOURCE $(CFLAGS) -fno-omit-frame-pointer -static -o $@ $<

# Unit tests: no root, no kernel access beyond reading. The plan and gen
# tests and the goldens read tracepoint formats from the checked-in copy
# (tests/fixtures/tracefs, see tests/README.md), not this kernel's tracefs.
FIXTURE_TRACEFS := $(CURDIR)/tests/fixtures/tracefs
HERMETIC_UNITS  := test_plan test_gen test_uprobe_provider

check: $(UNIT_BINS) $(OUTPUT)/recipe
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; \
	  case " $(HERMETIC_UNITS) " in *" $${t##*/} "*) tfs=$(FIXTURE_TRACEFS);; *) tfs=;; esac; \
	  RECIPE_SRCDIR=$(CURDIR) RECIPE_TRACEFS=$$tfs $$t; done

golden golden-update: export RECIPE_TRACEFS := $(FIXTURE_TRACEFS)

# Integration tests: real programs on the running kernel (root).
integration: $(INTEG_BINS) $(OUTPUT)/recipe $(WORKLOAD)
	@set -e; for t in $(INTEG_BINS); do echo "== $$t"; RECIPE_SRCDIR=$(CURDIR) RECIPE_BIN=$(CURDIR)/$(OUTPUT)/recipe RECIPE_WORKLOAD=$(CURDIR)/$(WORKLOAD) $$t; done

# The tests again, built in $(ASAN_OUTPUT)/ with AddressSanitizer and
# UndefinedBehaviorSanitizer (leaks included): any report fails the test
# that triggered it. The workload stays unsanitized (static, and its
# system calls are what the tests count). asan-check runs the unit tests
# (`make test` does); asan adds the integration tests, which load
# programs like `make integration`. They stay out of `make test` until
# test_runq_wakeups_and_preemptions is exact there: it once counted 19 of
# its 20 system-wide wakeups under the slower sanitized binary (issue 11).
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1 \
	   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	   LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0

asan-check:
	$(Q)$(ASAN_ENV) $(MAKE) --no-print-directory OUTPUT=$(ASAN_OUTPUT) SANITIZE='$(ASAN_FLAGS)' check

asan: asan-check
	$(Q)$(ASAN_ENV) $(MAKE) --no-print-directory OUTPUT=$(ASAN_OUTPUT) SANITIZE='$(ASAN_FLAGS)' integration

# docs/catalogue.md from the recipes (RUNS: this kernel; loads test
# programs, so as root); test_catalogue fails when it is stale.
catalogue: $(OUTPUT)/recipe
	$(call msg,GEN,docs/catalogue.md)
	$(Q)$(OUTPUT)/recipe list --markdown > docs/catalogue.md.tmp && mv docs/catalogue.md.tmp docs/catalogue.md

deps:
	$(Q)./scripts/install-deps

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory check
	$(Q)$(MAKE) --no-print-directory golden
	$(Q)$(MAKE) --no-print-directory integration
	$(Q)$(MAKE) --no-print-directory asan-check

# The kernel lab (lab/run, docs/testing.md): Debian's stock 6.1 kernel
# under qemu with this machine's root shared read-only, running
# lab/cases (LAB_CASES="a b" for some). Not part of `make test` yet.
# It installs what the lab needs from Debian where missing (qemu, busybox-
# static, xfsprogs); where qemu still cannot start it says why and
# passes (lab/run exits 77).
# It loads BPF programs in a guest that takes the host's CPUs, so it
# holds the lock the BPF test suites share (tests/README.md).
LAB_LOCK ?= /tmp/recipe-bpf.lock

LAB_PKGS := qemu-system-x86 busybox-static xfsprogs e2fsprogs

test-vm: $(OUTPUT)/recipe $(WORKLOAD) $(INTEG_BINS)
	$(Q)./scripts/install-deps $(LAB_PKGS) || echo "test-vm: could not install $(LAB_PKGS)"
	$(Q)rc=0; flock $(LAB_LOCK) ./lab/run $(CURDIR) $(OUTPUT) || rc=$$?; \
	  if [ $$rc = 77 ]; then echo "test-vm: skipped (see the reason above)"; rc=0; fi; \
	  exit $$rc

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./scripts/demo

bench: deps
	$(Q)./scripts/install-deps bpftrace libbpf-tools
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./bench/run

install: $(OUTPUT)/recipe
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(UNITDIR)
	install -m 0755 $(OUTPUT)/recipe $(DESTDIR)$(BINDIR)/recipe
	cp -r recipes $(DESTDIR)$(DATADIR)/
	chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)
	sed 's|@BINDIR@|$(BINDIR)|' dist/systemd/recipe-serve.service > $(DESTDIR)$(UNITDIR)/recipe-serve.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/recipe-serve.service

clean:
	rm -rf $(OUTPUT) $(ASAN_OUTPUT)

include tests/golden/golden.mk

-include $(shell find $(OUTPUT) -name '*.d' 2>/dev/null)
