/* vmlinux: where the running kernel's BTF is read from (vmlinux.h). */
#include "util/vmlinux.h"

#include <stdlib.h>

const char *vmlinux_btf_path(void)
{
	const char *p = getenv("RECIPE_VMLINUX_BTF");

	return p && *p ? p : "/sys/kernel/btf/vmlinux";
}
