/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Identities (RFC 7296 §3.5): the IDs of the configuration and of the
 * ID payloads, compared by what they mean, shown as text, and checked
 * against the peer's certificate.
 *
 *	ip:	IPV4_ADDR, IPV6_ADDR	the address bytes
 *	fqdn:	FQDN			compared without regard to case
 *	email:	RFC822_ADDR		the domain part without regard to case,
 *					the local part exactly (RFC 5321 §2.4)
 *	dn:	DER_ASN1_DN		RDN by RDN in order, each attribute's
 *					type equal and its value equal after
 *					decoding the string type (Printable,
 *					UTF8, IA5, BMP, ...), without regard to
 *					case and to insignificant spaces (X.520
 *					caseIgnoreMatch, RFC 4518); a configured
 *					value "*" matches any value
 *
 * A DN written "C=CH, O=mif, CN=gw" is encoded in that order, each value
 * as PrintableString when its characters allow (as strongSwan does, and
 * as OpenSSL does for C), else UTF8String.
 */
#ifndef MIF_ENGINE_IDENTITY_H
#define MIF_ENGINE_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/conn.h"
#include "crypto/sign.h"

/* Enough for any ID of CONN_MAX_ID bytes as text, with its prefix. */
#define IDENTITY_TEXT_MAX	(4 * CONN_MAX_ID + 8)

/*
 * DN text ("ATTR=VALUE, ..." with ATTR one of those in identity.c;
 * "\," for a comma in a value) to the DER of id, type DER_ASN1_DN.
 * Returns 0, -EINVAL (not a DN: bad syntax, unknown attribute, empty
 * value) or -E2BIG.
 */
int identity_dn_parse(const char *text, struct conn_id *id);

/*
 * Whether the DER DNs mean the same name; values "*" in want (a
 * configured ID) match any value. A malformed DER on either side never
 * matches, nor one over 2048 bytes (the work it would cost is bounded).
 */
bool identity_dn_match(const uint8_t *want, size_t want_len,
		       const uint8_t *dn, size_t len);

/* Whether want (len 0: any) names the ID type/data, as above. */
bool identity_match(const struct conn_id *want, uint8_t type,
		    const uint8_t *data, size_t len);

/* Whether id has a wildcard: it names no single peer, so is not sent. */
bool identity_is_wildcard(const struct conn_id *id);

/*
 * The ID as text: "ip:192.0.2.1", "fqdn:gw.example", "email:a@b",
 * "dn:C=CH, O=mif, CN=gw", other types "(ID type N, L bytes)"; bytes
 * that are not printable as '?'. Returns out.
 */
const char *identity_text(uint8_t type, const uint8_t *data, size_t len,
			  char *out, size_t out_len);

/*
 * 0 when the peer's end-entity certificate vouches for the ID: a DN
 * its subject (by meaning, no wildcards), an FQDN one of its dNSNames,
 * an RFC822 address one of its rfc822Names, an IP address one of its
 * iPAddresses; wildcards and the CN do not count. Other types are
 * refused. -EACCES when not, with why ("peer ID fqdn:x not in
 * certificate CN=..., SANs: ...").
 */
int identity_in_cert(const struct sig_peer *p, uint8_t type,
		     const uint8_t *data, size_t len, char *why,
		     size_t why_len);

#endif
