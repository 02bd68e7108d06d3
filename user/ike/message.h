/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An IKEv2 message: the IKE header (RFC 7296 §3.1) and the chain of
 * payloads that follows it.
 *
 * Parsing decodes every payload the codec knows into its typed struct
 * (see payload.h). Unknown payloads are skipped, unless their critical
 * bit is set: then the message is rejected with UNSUPPORTED_CRITICAL_PAYLOAD
 * and err->payload names the type, to be sent back as the notify data.
 *
 * An SK payload ends the outer chain. The codec does not decrypt it: the
 * caller decrypts sk->body and parses the plaintext inner chain with
 * ike_chain_parse(), starting at the SK payload's next field.
 *
 * Parsed payloads may point into the input buffer, which must stay valid
 * and unchanged until ike_chain_free() / ike_message_free().
 *
 * A chain holds as many payloads as the message does: its array, and what
 * parsing decoded, are allocated by their real size, so that a message
 * costs memory in proportion to its length. A chain starts zeroed; every
 * chain, parsed or built, is released with ike_chain_free(), which leaves
 * the payload structs that ike_chain_add() was given to their owner.
 */
#ifndef MIF_IKE_MESSAGE_H
#define MIF_IKE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/buf.h"
#include "ike/constants.h"
#include "ike/error.h"
#include "ike/payload.h"

struct ike_header {
	uint64_t spi_i;
	uint64_t spi_r;
	uint8_t next;		/* first payload; computed when building */
	uint8_t version;	/* major << 4 | minor; always 2.0 when built */
	uint8_t exchange;	/* IKE_EXCH_* */
	uint8_t flags;		/* IKE_FLAG_* */
	uint32_t msg_id;
	uint32_t length;	/* whole message; computed when building */
};

struct ike_chain {
	unsigned int count;
	unsigned int room;		/* of pl */
	struct ike_payload *pl;		/* malloc'ed */
};

struct ike_message {
	struct ike_header hdr;
	struct ike_chain chain;
};

/*
 * Decode the fixed header only: enough to find the IKE SA before the rest
 * is looked at. Checks the major version and that the length field
 * matches len. A message of another major version (IKE_ERR_VERSION)
 * still has every field filled in, for the INVALID_MAJOR_VERSION answer.
 */
int ike_header_parse(struct ike_header *h, const uint8_t *buf, size_t len,
		     struct ike_error *err);
void ike_header_build(struct ike_writer *w, const struct ike_header *h);

/*
 * Decode a payload chain of len bytes starting with payload type first
 * into c (which holds nothing yet). On failure the chain is left empty.
 */
int ike_chain_parse(struct ike_chain *c, uint8_t first, const uint8_t *buf,
		    size_t len, struct ike_error *err);
/* Encode the payloads of c, chaining their next fields. */
int ike_chain_build(struct ike_writer *w, const struct ike_chain *c,
		    struct ike_error *err);
/* Release what c holds; it is empty and zeroed afterwards. */
void ike_chain_free(struct ike_chain *c);
/*
 * Append a payload for building; body points at the typed struct, which
 * stays the caller's. Fails only when out of memory.
 */
int ike_chain_add(struct ike_chain *c, uint8_t type, void *body,
		  struct ike_error *err);
/* First payload of type after 'after' (NULL: from the start), or NULL. */
const struct ike_payload *ike_chain_find(const struct ike_chain *c,
					 uint8_t type,
					 const struct ike_payload *after);
/* First Notify payload of the given notify type, or NULL. */
const struct ike_payload *ike_chain_find_notify(const struct ike_chain *c,
						uint16_t type);

/* Decode a whole message: header and outer payload chain (m zeroed). */
int ike_message_parse(struct ike_message *m, const uint8_t *buf, size_t len,
		      struct ike_error *err);
/*
 * Encode a message at the end of w, computing the header's next payload
 * and length. On failure w holds partial output and must be discarded.
 * If the chain ends with SK, its body is the last sk->len bytes written:
 * that is where the caller encrypts and computes the ICV.
 */
int ike_message_build(struct ike_writer *w, const struct ike_message *m,
		      struct ike_error *err);
void ike_message_free(struct ike_message *m);

#endif
