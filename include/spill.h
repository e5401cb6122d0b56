/* spill.h - records kept outside memory until they are needed: appended to
 * an unlinked temporary file in $TMPDIR (else /tmp), read back by offset.
 *
 * When the file cannot be made or written (a full or read-only disk), what
 * it held moves to memory and the records keep coming: a full /tmp costs
 * memory, never a record. Only when memory runs out too does an append
 * fail, and then the caller must say so. */
#ifndef RELAYTEST_SPILL_H
#define RELAYTEST_SPILL_H

#include <stddef.h>
#include <sys/types.h>

/* All zero (spill_init) is an empty spill. */
struct spill {
	int fd;	      /* the temporary file, when has_file */
	int has_file; /* made on the first append */
	char *mem;    /* owned: the records, once the file failed */
	size_t end;
	size_t cap;
	int in_memory;
};

/* An empty spill; nothing is opened until the first append. */
void spill_init(struct spill *s);

/* Append len bytes; *at gets their offset. Returns 0, or -1 with errno set
 * when neither the file nor memory could take them. */
int spill_append(struct spill *s, const void *data, size_t len, size_t *at);

/* Read len bytes at offset at into buf. Returns 0, or -1 with errno set. */
int spill_read(const struct spill *s, size_t at, void *buf, size_t len);

/* Bytes kept so far. */
size_t spill_size(const struct spill *s);

/* Forget every record (the file is truncated; memory is kept for reuse). */
void spill_clear(struct spill *s);

/* Close the file and free the memory. */
void spill_free(struct spill *s);

#endif
