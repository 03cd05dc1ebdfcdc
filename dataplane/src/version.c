#include "esplane_dp.h"

uint32_t esp_dp_abi_version(void)
{
	return ESPLANE_DP_ABI_VERSION;
}
