# Golden codegen tests: `recipe show --c` of each tests/golden/*.yaml must
# match the .bpf.c next to it byte for byte, so any change to the
# generated C shows up as a reviewable diff (`make golden-update`
# rewrites the expected files). Run from the top directory with relative
# paths, so the #line directives name tests/golden/... whatever the
# checkout's location. Only the program body is compared, from its key
# struct on: the kernel types dumped from BTF (enums such as
# BPF_MAP_TYPE_ARENA differ between kernels) and the shared runtime of
# templates/include/ are not the recipe's. Needs tracefs (the plan reads it).

GOLDEN_YAML := $(sort $(wildcard tests/golden/*.yaml))
GOLDEN_OUT  := $(OUTPUT)/golden
# the generated program from its key struct on (templates/program.bpf.c)
GOLDEN_BODY := sed -n '/^\/\* The map key: /,$$p'

.PHONY: golden golden-update

golden: $(OUTPUT)/recipe
	@mkdir -p $(GOLDEN_OUT)
	@cd $(CURDIR) && fail=0; \
	for y in $(GOLDEN_YAML); do \
	  exp=$${y%.yaml}.bpf.c; out=$(GOLDEN_OUT)/$$(basename $${y%.yaml}); \
	  if ! $(OUTPUT)/recipe show $$y --c >$$out.full.c 2>$$out.err || \
	     [ -s $$out.err ] || ! $(GOLDEN_BODY) $$out.full.c >$$out.bpf.c || \
	     [ ! -s $$out.bpf.c ]; then \
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
	  if ! $(OUTPUT)/recipe show $$y --c >$$out.full.c 2>$$out.err || \
	     [ -s $$out.err ] || ! $(GOLDEN_BODY) $$out.full.c >$$out.bpf.c || \
	     [ ! -s $$out.bpf.c ]; then \
	    echo "FAIL $$y: recipe show failed:"; cat $$out.err; exit 1; \
	  fi; \
	  if cmp -s $$out.bpf.c $$exp; then echo "  same   $$exp"; \
	  else cp $$out.bpf.c $$exp; echo "  wrote  $$exp"; fi; \
	done
