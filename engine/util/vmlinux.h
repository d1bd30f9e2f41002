/* vmlinux: where the running kernel's BTF is read from. */
#ifndef RECIPE_UTIL_VMLINUX_H
#define RECIPE_UTIL_VMLINUX_H

/* $RECIPE_VMLINUX_BTF when set and not empty, else /sys/kernel/btf/vmlinux. */
const char *vmlinux_btf_path(void);

#endif
