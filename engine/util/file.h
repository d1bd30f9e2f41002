/*
 * file: whole-file reads and complete writes, with errno kept, for the
 * modules that read recipes, templates, kernel files and cached objects
 * and write temporary sources and objects.
 */
#ifndef RECIPE_UTIL_FILE_H
#define RECIPE_UTIL_FILE_H

#include <stddef.h>

/*
 * Read all of path into a malloc'd buffer, NUL-terminated (the NUL not
 * counted in *len). Works for sysfs and tracefs files, whose size stat()
 * does not tell. Returns 0 or -errno; *data is NULL on failure.
 */
int file_read(const char *path, void **data, size_t *len);
/* file_read of at most max bytes: -EFBIG, reading no further, for a longer file. */
int file_read_max(const char *path, size_t max, void **data, size_t *len);

/* write(2) all of data to fd, retrying short writes and EINTR. 0 or -errno. */
int file_write_all(int fd, const void *data, size_t len);

#endif
