/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKE fragmentation (RFC 7383): protected messages too large for the
 * path are sent as several IKE messages, each carrying an Encrypted
 * Fragment payload (SKF, ike/sk.h) with its own IV and ICV, and put
 * back together by the receiver.
 *
 * Both peers say IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT (a
 * connection's fragmentation = yes); from then on (sa->frag), a message
 * whose datagram would exceed the connection's fragment_size (0: 576
 * bytes over IPv4, 1280 over IPv6, §2.5.1) is split. The datagram size
 * counts the IP and UDP headers and, off port 500, the non-ESP marker.
 * The fragments of a message are kept back to back in one buffer, as
 * a request for retransmission or a response for replays: each is an
 * IKE message whose header says its length, and ikesa_send() sends
 * them one datagram each. A retransmission thus resends every fragment.
 *
 * Reassembly (§2.6) keeps at most one message per IKE SA and direction
 * (the request of the window, the response awaited), and only fragments
 * whose ICV holds, decrypted: at most FRAGMENT_MAX of them and
 * FRAGMENT_MAX_BYTES in all, for FRAGMENT_TIMEOUT_MS from the first.
 * A duplicate is ignored; a fragment with a larger Total Fragments (a
 * retransmission fragmented otherwise) starts the message anew, one with
 * a smaller one is dropped. Of a retransmitted request the first
 * fragment alone has the cached response sent again (§2.6.1).
 */
#ifndef MIF_ENGINE_FRAGMENT_H
#define MIF_ENGINE_FRAGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ikesa;
struct ikesa_plain;
struct engine_msg;
struct ike_chain;
struct ike_error;
struct ike_header;
struct ike_notify;
struct ike_writer;

#define FRAGMENT_MAX		32
#define FRAGMENT_MAX_BYTES	32768
#define FRAGMENT_TIMEOUT_MS	30000
/* Default datagram sizes (§2.5.1): what every IPv4 and IPv6 path takes. */
#define FRAGMENT_SIZE_IPV4	576
#define FRAGMENT_SIZE_IPV6	1280

/* A message being reassembled. */
struct reassembly {
	uint32_t msg_id;
	uint8_t exchange;
	uint8_t first;		/* the Next Payload of fragment 1 */
	uint16_t total;		/* Total Fragments */
	uint16_t held;		/* fragments held */
	bool refused;		/* over FRAGMENT_MAX_BYTES: drop the rest */
	size_t bytes;		/* their plaintext, in all */
	uint64_t started;	/* ms: the first fragment held */
	struct {
		uint8_t *p;	/* plaintext, malloc'ed; NULL: missing */
		size_t len;
	} frag[FRAGMENT_MAX];	/* by Fragment Number - 1 */
};

/*
 * IKE_SA_INIT: add IKEV2_FRAGMENTATION_SUPPORTED (n, the caller's) to
 * our request if the connection wants fragmentation, to our response
 * if it was negotiated.
 */
void fragment_add_notify(const struct ikesa *sa, struct ike_chain *chain,
			 struct ike_notify *n);
/* IKE_SA_INIT: the peer's message ch; negotiated when both support it. */
void fragment_check_notify(struct ikesa *sa, const struct ike_chain *ch);

/*
 * Whether a message of plain_len bytes of payloads goes in fragments:
 * fragmentation negotiated and its datagram too large.
 */
bool fragment_wanted(const struct ikesa *sa, size_t plain_len);
/*
 * Append to w the fragments of a message with header hdr (next and
 * length computed), whose payloads (plain, len bytes) start with a
 * payload of type first. 0 or -errno.
 */
int fragment_seal(struct ikesa *sa, const struct ike_header *hdr,
		  uint8_t first, const uint8_t *plain, size_t len,
		  struct ike_writer *w);
/* The length of the first datagram of a buffer of fragments. */
size_t fragment_dgram_len(const uint8_t *buf, size_t len);

/*
 * Open the protected message m of sa: an SK message as ikesa_decrypt()
 * does, or a fragment (SKF), held until the message is whole, which is
 * then decrypted into inner and plain as ikesa_decrypt() says. Returns
 * 0, -EBADMSG and -EINVAL as ikesa_decrypt() does, and -EINPROGRESS
 * for a fragment held or ignored. The first fragment of a request
 * already answered (window_verdict() WINDOW_AGAIN) returns 0
 * with inner empty, once its ICV holds: the caller sends its response
 * again.
 */
int fragment_open(struct ikesa *sa, const struct engine_msg *m,
		  struct ike_chain *inner, struct ikesa_plain *plain,
		  struct ike_error *err);

/* When the oldest reassembly times out (0: none), and its timer. */
uint64_t fragment_deadline(const struct ikesa *sa);
void fragment_expire(struct ikesa *sa, uint64_t now);
/* Forget every message being reassembled (the IKE SA goes). */
void fragment_free(struct ikesa *sa);

#endif
