# Golden codegen tests: `recipe show --c` of each tests/golden/*.yaml must
# match the .bpf.c next to it byte for byte, so any change to the
# generated C shows up as a reviewable diff (`make golden-update`
# rewrites the expected files). Run from the top directory with relative
# paths, so the #line directives name tests/golden/... whatever the
# checkout's location; the kernel types come from the running kernel's
# BTF, which CI keeps fixed. Needs root (the plan reads tracefs).

GOLDEN_YAML := $(sort $(wildcard tests/golden/*.yaml))
GOLDEN_OUT  := $(OUTPUT)/golden

.PHONY: golden golden-update

golden: $(OUTPUT)/recipe
	@mkdir -p $(GOLDEN_OUT)
	@cd $(CURDIR) && fail=0; \
	for y in $(GOLDEN_YAML); do \
	  exp=$${y%.yaml}.bpf.c; out=$(GOLDEN_OUT)/$$(basename $${y%.yaml}); \
	  if ! $(OUTPUT)/recipe show $$y --c >$$out.bpf.c 2>$$out.err || \
	     [ -s $$out.err ]; then \
	    echo "FAIL $$y: recipe show failed:"; cat $$out.err; fail=1; \
	  elif [ ! -f $$exp ]; then \
	    echo "FAIL $$y: no $$exp (make golden-update writes it)"; fail=1; \
	  elif ! diff -u $$exp $$out.bpf.c; then \
	    echo "FAIL $$y: generated C differs from $$exp"; fail=1; \
	  else \
	    echo "  ok     $$y"; \
	  fi; \
	done; \
	if [ $$fail != 0 ]; then \
	  echo "golden: differences above; if intended, run make golden-update and review the diff"; \
	  exit 1; \
	fi

golden-update: $(OUTPUT)/recipe
	@mkdir -p $(GOLDEN_OUT)
	@cd $(CURDIR) && set -e; \
	for y in $(GOLDEN_YAML); do \
	  exp=$${y%.yaml}.bpf.c; out=$(GOLDEN_OUT)/$$(basename $${y%.yaml}); \
	  if ! $(OUTPUT)/recipe show $$y --c >$$out.bpf.c 2>$$out.err || \
	     [ -s $$out.err ]; then \
	    echo "FAIL $$y: recipe show failed:"; cat $$out.err; exit 1; \
	  fi; \
	  if cmp -s $$out.bpf.c $$exp; then echo "  same   $$exp"; \
	  else cp $$out.bpf.c $$exp; echo "  wrote  $$exp"; fi; \
	done
