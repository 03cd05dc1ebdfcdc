/* esplane-dp: the standalone runner over libesplane-dp (manual keying, benchmarks). */
#include <stdio.h>
#include <string.h>
#include "esplane_dp.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("esplane-dp abi %u\n", esp_dp_abi_version());
		return 0;
	}
	fprintf(stderr, "usage: esplane-dp --config FILE.json [--until-idle MS] [--stats-json FILE] -- <EAL args>\n");
	return 2;
}
