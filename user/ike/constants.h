/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKEv2 protocol numbers (RFC 7296 and the IANA "IKEv2 Parameters"
 * registry), as far as mif uses them, and their names for logs.
 */
#ifndef MIF_IKE_CONSTANTS_H
#define MIF_IKE_CONSTANTS_H

#include <stdint.h>

#define IKE_SPI_LEN		8
#define IKE_HEADER_LEN		28
#define IKE_PAYLOAD_HEADER_LEN	4
#define IKE_VERSION_2_0		0x20
#define IKE_MAJOR_VERSION	2

/* Header flags (RFC 7296 §3.1); the other bits are ignored on receipt. */
#define IKE_FLAG_INITIATOR	0x08
#define IKE_FLAG_VERSION	0x10
#define IKE_FLAG_RESPONSE	0x20
#define IKE_FLAGS_KNOWN		(IKE_FLAG_INITIATOR | IKE_FLAG_VERSION | \
				 IKE_FLAG_RESPONSE)

/* Generic payload header: critical bit (RFC 7296 §3.2). */
#define IKE_PAYLOAD_CRITICAL	0x80

enum ike_exchange {
	IKE_EXCH_IKE_SA_INIT		= 34,
	IKE_EXCH_IKE_AUTH		= 35,
	IKE_EXCH_CREATE_CHILD_SA	= 36,
	IKE_EXCH_INFORMATIONAL		= 37,
};

enum ike_payload_type {
	IKE_PL_NONE	= 0,
	IKE_PL_SA	= 33,
	IKE_PL_KE	= 34,
	IKE_PL_IDI	= 35,
	IKE_PL_IDR	= 36,
	IKE_PL_CERT	= 37,
	IKE_PL_CERTREQ	= 38,
	IKE_PL_AUTH	= 39,
	IKE_PL_NONCE	= 40,
	IKE_PL_NOTIFY	= 41,
	IKE_PL_DELETE	= 42,
	IKE_PL_VENDOR	= 43,
	IKE_PL_TSI	= 44,
	IKE_PL_TSR	= 45,
	IKE_PL_SK	= 46,
	IKE_PL_CP	= 47,
	IKE_PL_EAP	= 48,
	IKE_PL_SKF	= 53,	/* RFC 7383 */
};

/*
 * Notify message types (RFC 7296 §3.10.1, RFC 4555, RFC 7383, RFC 7427,
 * and the private-use types of the MIF extension, docs/protocol/mif.md).
 */
enum ike_notify_type {
	/* Errors. */
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD	= 1,
	IKE_N_INVALID_IKE_SPI			= 4,
	IKE_N_INVALID_MAJOR_VERSION		= 5,
	IKE_N_INVALID_SYNTAX			= 7,
	IKE_N_INVALID_MESSAGE_ID		= 9,
	IKE_N_INVALID_SPI			= 11,
	IKE_N_NO_PROPOSAL_CHOSEN		= 14,
	IKE_N_INVALID_KE_PAYLOAD		= 17,
	IKE_N_AUTHENTICATION_FAILED		= 24,
	IKE_N_SINGLE_PAIR_REQUIRED		= 34,
	IKE_N_NO_ADDITIONAL_SAS			= 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE		= 36,
	IKE_N_FAILED_CP_REQUIRED		= 37,
	IKE_N_TS_UNACCEPTABLE			= 38,
	IKE_N_INVALID_SELECTORS			= 39,
	IKE_N_UNACCEPTABLE_ADDRESSES		= 40,	/* RFC 4555 */
	IKE_N_UNEXPECTED_NAT_DETECTED		= 41,	/* RFC 4555 */
	IKE_N_TEMPORARY_FAILURE			= 43,
	IKE_N_CHILD_SA_NOT_FOUND		= 44,
	IKE_N_MIF_INVALID_INTERFACES		= 8200,	/* MIF */
	IKE_N_MIF_UNACCEPTABLE_PATH		= 8201,	/* MIF */
	IKE_N_MIF_UNACCEPTABLE_MOVE		= 8202,	/* MIF part two */
	IKE_N_MIF_UNACCEPTABLE_ADD		= 8203,	/* MIF part two */
	/* Status. */
	IKE_N_INITIAL_CONTACT			= 16384,
	IKE_N_SET_WINDOW_SIZE			= 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE		= 16386,
	IKE_N_IPCOMP_SUPPORTED			= 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP		= 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP	= 16389,
	IKE_N_COOKIE				= 16390,
	IKE_N_USE_TRANSPORT_MODE		= 16391,
	IKE_N_HTTP_CERT_LOOKUP_SUPPORTED	= 16392,
	IKE_N_REKEY_SA				= 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED	= 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO		= 16395,
	IKE_N_MOBIKE_SUPPORTED			= 16396,	/* RFC 4555 */
	IKE_N_ADDITIONAL_IP4_ADDRESS		= 16397,
	IKE_N_ADDITIONAL_IP6_ADDRESS		= 16398,
	IKE_N_NO_ADDITIONAL_ADDRESSES		= 16399,
	IKE_N_UPDATE_SA_ADDRESSES		= 16400,
	IKE_N_COOKIE2				= 16401,
	IKE_N_NO_NATS_ALLOWED			= 16402,
	IKE_N_IKEV2_FRAGMENTATION_SUPPORTED	= 16430,	/* RFC 7383 */
	IKE_N_SIGNATURE_HASH_ALGORITHMS		= 16431,	/* RFC 7427 */
	IKE_N_MIF_SUPPORTED			= 41000,	/* MIF */
	IKE_N_MIF_INTERFACES			= 41001,	/* MIF */
	IKE_N_MIF_CHILD_PATH			= 41002,	/* MIF */
	IKE_N_MIF_MOVE				= 41003,	/* MIF part two */
	IKE_N_MIF_ALTERNATES			= 41004,	/* MIF part two */
	IKE_N_MIF_ADD_INTERFACE			= 41005,	/* MIF part two */
	IKE_N_MIF_DELETE_INTERFACE		= 41006,	/* MIF part two */
};

/* Notify types below this are errors, at or above it status (§3.10.1). */
#define IKE_N_FIRST_STATUS	16384

/* Protocol IDs in proposals, notifies and deletes (RFC 7296 §3.3.1). */
enum ike_protocol {
	IKE_PROTO_NONE	= 0,
	IKE_PROTO_IKE	= 1,
	IKE_PROTO_AH	= 2,
	IKE_PROTO_ESP	= 3,
};

/* Transform types (RFC 7296 §3.3.2). */
enum ike_transform_type {
	IKE_XF_ENCR	= 1,
	IKE_XF_PRF	= 2,
	IKE_XF_INTEG	= 3,
	IKE_XF_DH	= 4,
	IKE_XF_ESN	= 5,
};

/* Transform IDs mif negotiates (IANA IKEv2 registry). */
enum ike_transform_id {
	IKE_ENCR_AES_CBC		= 12,
	IKE_ENCR_AES_GCM_16		= 20,
	IKE_ENCR_CHACHA20_POLY1305	= 28,
	IKE_PRF_HMAC_SHA2_256		= 5,
	IKE_PRF_HMAC_SHA2_384		= 6,
	IKE_PRF_HMAC_SHA2_512		= 7,
	IKE_INTEG_NONE			= 0,
	IKE_INTEG_HMAC_SHA2_256_128	= 12,
	IKE_INTEG_HMAC_SHA2_384_192	= 13,
	IKE_INTEG_HMAC_SHA2_512_256	= 14,
	IKE_DH_MODP_2048		= 14,
	IKE_DH_MODP_3072		= 15,
	IKE_DH_MODP_4096		= 16,
	IKE_DH_ECP_256			= 19,
	IKE_DH_ECP_384			= 20,
	IKE_DH_ECP_521			= 21,
	IKE_DH_CURVE25519		= 31,
	IKE_DH_CURVE448			= 32,
	IKE_ESN_NO			= 0,
	IKE_ESN_YES			= 1,
};

/* Transform attribute types (RFC 7296 §3.3.5). */
#define IKE_ATTR_FORMAT_TV	0x8000
#define IKE_ATTR_KEY_LENGTH	14

/* Identification types (RFC 7296 §3.5). */
enum ike_id_type {
	IKE_ID_IPV4_ADDR	= 1,
	IKE_ID_FQDN		= 2,
	IKE_ID_RFC822_ADDR	= 3,
	IKE_ID_IPV6_ADDR	= 5,
	IKE_ID_DER_ASN1_DN	= 9,
	IKE_ID_DER_ASN1_GN	= 10,
	IKE_ID_KEY_ID		= 11,
};

/* Certificate encodings (RFC 7296 §3.6). */
enum ike_cert_encoding {
	IKE_CERT_X509_SIG		= 4,
	IKE_CERT_HASH_URL_X509		= 12,
	IKE_CERT_HASH_URL_X509_BUNDLE	= 13,
};

/* Authentication methods (RFC 7296 §3.8, RFC 7427). */
enum ike_auth_method {
	IKE_AUTH_RSA_SIG		= 1,
	IKE_AUTH_SHARED_KEY_MIC		= 2,
	IKE_AUTH_DSS_SIG		= 3,
	IKE_AUTH_ECDSA_256		= 9,
	IKE_AUTH_ECDSA_384		= 10,
	IKE_AUTH_ECDSA_521		= 11,
	IKE_AUTH_NULL			= 13,
	IKE_AUTH_DIGITAL_SIGNATURE	= 14,
};

/* Traffic selector types (RFC 7296 §3.13.1). */
enum ike_ts_type {
	IKE_TS_IPV4_ADDR_RANGE	= 7,
	IKE_TS_IPV6_ADDR_RANGE	= 8,
};

/* Configuration payload types and attributes (RFC 7296 §3.15). */
enum ike_cfg_type {
	IKE_CFG_REQUEST	= 1,
	IKE_CFG_REPLY	= 2,
	IKE_CFG_SET	= 3,
	IKE_CFG_ACK	= 4,
};

enum ike_cp_attr_type {
	IKE_CP_INTERNAL_IP4_ADDRESS	= 1,
	IKE_CP_INTERNAL_IP4_NETMASK	= 2,
	IKE_CP_INTERNAL_IP4_DNS		= 3,
	IKE_CP_INTERNAL_IP4_NBNS	= 4,
	IKE_CP_INTERNAL_IP4_DHCP	= 6,
	IKE_CP_APPLICATION_VERSION	= 7,
	IKE_CP_INTERNAL_IP6_ADDRESS	= 8,
	IKE_CP_INTERNAL_IP6_DNS		= 10,
	IKE_CP_INTERNAL_IP6_DHCP	= 12,
	IKE_CP_INTERNAL_IP4_SUBNET	= 13,
	IKE_CP_SUPPORTED_ATTRIBUTES	= 14,
	IKE_CP_INTERNAL_IP6_SUBNET	= 15,
};

/* EAP codes (RFC 3748 §4). */
enum ike_eap_code {
	IKE_EAP_REQUEST		= 1,
	IKE_EAP_RESPONSE	= 2,
	IKE_EAP_SUCCESS		= 3,
	IKE_EAP_FAILURE		= 4,
};

/* Names for logs; unknown values give "UNKNOWN". */
const char *ike_exchange_name(unsigned int exchange);
const char *ike_payload_name(unsigned int type);
const char *ike_notify_name(unsigned int type);

#endif
