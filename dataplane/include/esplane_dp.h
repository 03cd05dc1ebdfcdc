/* esplane dataplane — the one public header.
 *
 * A small, declarative C ABI loaded by the agent through koffi and used by the runner
 * esplane-dp. Every call returns 0 or a negative errno and never aborts. Each call is
 * documented as {args} => {result}.
 */
#ifndef ESPLANE_DP_H
#define ESPLANE_DP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ESPLANE_DP_ABI_VERSION 1

/* {} => the ABI version this library implements (ESPLANE_DP_ABI_VERSION). */
uint32_t esp_dp_abi_version(void);

#ifdef __cplusplus
}
#endif
#endif
