// SPDX-License-Identifier: GPL-2.0
/*
 * Names of IKEv2 protocol numbers, for logs.
 */
#include <stddef.h>

#include "ike/constants.h"

struct name {
	unsigned int value;
	const char *name;
};

#define NAME(prefix, x)	{ prefix##x, #x }
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *lookup(const struct name *t, size_t n, unsigned int value)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return "UNKNOWN";
}

static const struct name exchanges[] = {
	NAME(IKE_EXCH_, IKE_SA_INIT),
	NAME(IKE_EXCH_, IKE_AUTH),
	NAME(IKE_EXCH_, CREATE_CHILD_SA),
	NAME(IKE_EXCH_, INFORMATIONAL),
};

static const struct name payloads[] = {
	{ IKE_PL_NONE, "NONE" },
	{ IKE_PL_SA, "SA" },
	{ IKE_PL_KE, "KE" },
	{ IKE_PL_IDI, "IDi" },
	{ IKE_PL_IDR, "IDr" },
	{ IKE_PL_CERT, "CERT" },
	{ IKE_PL_CERTREQ, "CERTREQ" },
	{ IKE_PL_AUTH, "AUTH" },
	{ IKE_PL_NONCE, "Nonce" },
	{ IKE_PL_NOTIFY, "Notify" },
	{ IKE_PL_DELETE, "Delete" },
	{ IKE_PL_VENDOR, "Vendor ID" },
	{ IKE_PL_TSI, "TSi" },
	{ IKE_PL_TSR, "TSr" },
	{ IKE_PL_SK, "SK" },
	{ IKE_PL_CP, "CP" },
	{ IKE_PL_EAP, "EAP" },
	{ IKE_PL_SKF, "SKF" },
};

static const struct name notifies[] = {
	NAME(IKE_N_, UNSUPPORTED_CRITICAL_PAYLOAD),
	NAME(IKE_N_, INVALID_IKE_SPI),
	NAME(IKE_N_, INVALID_MAJOR_VERSION),
	NAME(IKE_N_, INVALID_SYNTAX),
	NAME(IKE_N_, INVALID_MESSAGE_ID),
	NAME(IKE_N_, INVALID_SPI),
	NAME(IKE_N_, NO_PROPOSAL_CHOSEN),
	NAME(IKE_N_, INVALID_KE_PAYLOAD),
	NAME(IKE_N_, AUTHENTICATION_FAILED),
	NAME(IKE_N_, SINGLE_PAIR_REQUIRED),
	NAME(IKE_N_, NO_ADDITIONAL_SAS),
	NAME(IKE_N_, INTERNAL_ADDRESS_FAILURE),
	NAME(IKE_N_, FAILED_CP_REQUIRED),
	NAME(IKE_N_, TS_UNACCEPTABLE),
	NAME(IKE_N_, INVALID_SELECTORS),
	NAME(IKE_N_, UNACCEPTABLE_ADDRESSES),
	NAME(IKE_N_, UNEXPECTED_NAT_DETECTED),
	NAME(IKE_N_, TEMPORARY_FAILURE),
	NAME(IKE_N_, CHILD_SA_NOT_FOUND),
	NAME(IKE_N_, MIF_INVALID_INTERFACES),
	NAME(IKE_N_, MIF_UNACCEPTABLE_PATH),
	NAME(IKE_N_, MIF_UNACCEPTABLE_MOVE),
	NAME(IKE_N_, INITIAL_CONTACT),
	NAME(IKE_N_, SET_WINDOW_SIZE),
	NAME(IKE_N_, ADDITIONAL_TS_POSSIBLE),
	NAME(IKE_N_, IPCOMP_SUPPORTED),
	NAME(IKE_N_, NAT_DETECTION_SOURCE_IP),
	NAME(IKE_N_, NAT_DETECTION_DESTINATION_IP),
	NAME(IKE_N_, COOKIE),
	NAME(IKE_N_, USE_TRANSPORT_MODE),
	NAME(IKE_N_, HTTP_CERT_LOOKUP_SUPPORTED),
	NAME(IKE_N_, REKEY_SA),
	NAME(IKE_N_, ESP_TFC_PADDING_NOT_SUPPORTED),
	NAME(IKE_N_, NON_FIRST_FRAGMENTS_ALSO),
	NAME(IKE_N_, MOBIKE_SUPPORTED),
	NAME(IKE_N_, ADDITIONAL_IP4_ADDRESS),
	NAME(IKE_N_, ADDITIONAL_IP6_ADDRESS),
	NAME(IKE_N_, NO_ADDITIONAL_ADDRESSES),
	NAME(IKE_N_, UPDATE_SA_ADDRESSES),
	NAME(IKE_N_, COOKIE2),
	NAME(IKE_N_, NO_NATS_ALLOWED),
	NAME(IKE_N_, IKEV2_FRAGMENTATION_SUPPORTED),
	NAME(IKE_N_, SIGNATURE_HASH_ALGORITHMS),
	NAME(IKE_N_, MIF_SUPPORTED),
	NAME(IKE_N_, MIF_INTERFACES),
	NAME(IKE_N_, MIF_CHILD_PATH),
	NAME(IKE_N_, MIF_DELETE_INTERFACE),
};

const char *ike_exchange_name(unsigned int exchange)
{
	return lookup(exchanges, ARRAY_SIZE(exchanges), exchange);
}

const char *ike_payload_name(unsigned int type)
{
	return lookup(payloads, ARRAY_SIZE(payloads), type);
}

const char *ike_notify_name(unsigned int type)
{
	return lookup(notifies, ARRAY_SIZE(notifies), type);
}
