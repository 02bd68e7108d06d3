/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The input of the engine fuzz target (engine.c), which the corpus
 * generator writes too:
 *
 *	byte 0		exchange type of a request (ignored for answers,
 *			which take their request's)
 *	byte 1		what to do: bits 0-1 the scene, bits 2-4 its
 *			argument, bit 5 the side, bits 6-7 the world kind
 *			(enum world_kind)
 *	byte 2		bits 0-2: for a request, the receiver's own request
 *			in flight when it arrives (0: none, else 1 + enum
 *			engine_ask); bits 3-7: after that many times
 *			ENGINE_IN_STEP_MS both engines run their timers and
 *			talk (0: they do not)
 *	byte 3		first payload type of the inner chain
 *	byte 4...	the inner payload chain, in plaintext
 */
#ifndef MIF_FUZZ_ENGINE_INPUT_H
#define MIF_FUZZ_ENGINE_INPUT_H

#include <stdint.h>

enum engine_scene {
	/* Established IKE SA: a request to B, argument the message ID. */
	SCENE_TO_B,
	/* The same, to A. */
	SCENE_TO_A,
	/*
	 * Established IKE SA: the side (0: A, 1: B) sends a request of the
	 * kind the argument names (enum engine_ask); the input answers it.
	 */
	SCENE_ANSWER,
	/*
	 * After IKE_SA_INIT: side 0, B gets the input as A's request
	 * (IKE_AUTH, message ID 1); side 1, A gets it as B's answer to A's
	 * IKE_AUTH request.
	 */
	SCENE_AUTH,
};

/* SCENE_TO_A, SCENE_TO_B: the message ID, from the one expected. */
enum engine_msgid {
	MSGID_NEXT,		/* the next request */
	MSGID_AGAIN,		/* the last one: a retransmission */
	MSGID_AHEAD,		/* beyond the window */
};

/* SCENE_ANSWER: the request to answer. */
enum engine_ask {
	ASK_DPD,
	ASK_CREATE_CHILD,
	ASK_REKEY_CHILD,
	ASK_REKEY_IKE,
	ASK_DELETE_CHILD,
	ASK_DELETE_IKE,
};

#define ENGINE_IN_HDR		4
#define ENGINE_IN_SCENE(b)	((b) & 3)
#define ENGINE_IN_ARG(b)	((b) >> 2 & 7)
#define ENGINE_IN_SIDE(b)	((b) >> 5 & 1)
#define ENGINE_IN_KIND(b)	((b) >> 6 & 3)
#define ENGINE_IN(scene, arg, side, kind) \
	((uint8_t)((scene) | (arg) << 2 | (side) << 5 | (kind) << 6))
#define ENGINE_IN_PENDING(b)	((b) & 7)
#define ENGINE_IN_LATER(b)	((b) >> 3)
/* Two minutes: 31 of them reach past a Child SA's rekey and expiry. */
#define ENGINE_IN_STEP_MS	120000

#endif
