// SPDX-License-Identifier: GPL-2.0
/*
 * mifd: the IKEv2 daemon with multiple-interface extensions.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *f)
{
	fprintf(f, "Usage: mifd [-V] [-h]\n");
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "Vh")) != -1) {
		switch (opt) {
		case 'V':
			printf("mifd %s\n", MIF_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	fprintf(stderr, "mifd: no IKE support in this version yet\n");
	return EXIT_FAILURE;
}
