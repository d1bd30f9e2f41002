/*
 * usdt_notes: the USDT (SystemTap SDT) probes compiled into an ELF file,
 * read from its .note.stapsdt notes, for listing them and for checking
 * usdt probe targets.
 *
 * Each note records the probe site's address, the link-time address of
 * the .stapsdt.base section, the semaphore's address (0 when the probe
 * has none), provider, name and the argument string gcc wrote for
 * STAP_PROBEn ("-4@%edi 8@%rax", one "size@operand" per argument,
 * negative size = signed). When the file was prelinked, the notes keep
 * the old addresses: both are moved by the difference between the
 * .stapsdt.base section's address now and the one recorded.
 *
 * pc_offset and sema_offset are file offsets (through PT_LOAD, as in
 * elfsyms.h): what a uprobe attaches to and what the kernel's
 * ref_ctr_offset wants to increment the semaphore.
 */
#ifndef RECIPE_SYMBOLS_USDT_NOTES_H
#define RECIPE_SYMBOLS_USDT_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct usdt_probe {
	const char *provider;
	const char *name;
	const char *args;	/* "" for a probe without arguments */
	uint64_t pc;		/* adjusted virtual address of the site */
	uint64_t semaphore;	/* adjusted virtual address; 0 = none */
	uint64_t pc_offset;	/* file offset of pc */
	uint64_t sema_offset;	/* file offset of semaphore; 0 = none */
};

struct usdt_notes {
	struct usdt_probe *v;	/* in note order */
	size_t n;
	char *arena;		/* owns the strings */
};

/*
 * Read the probes of path into *out (n may be 0: no probes). -ENOENT
 * /-EACCES from open(2), -ENOEXEC when it is not an ELF file, -EBADMSG
 * for a malformed note.
 */
int usdt_notes_read(const char *path, struct usdt_notes *out);
void usdt_notes_release(struct usdt_notes *notes);

/* Whether the probe matches fnmatch(3) globs for provider and name. */
bool usdt_probe_matches(const struct usdt_probe *p, const char *provider_glob,
			const char *name_glob);

#endif
