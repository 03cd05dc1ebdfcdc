/* The last error message of this thread, so a -EINVAL can say which field was wrong. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static __thread char last_error[256];

int dp_fail(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return -err;
}

void dp_clear_error(void)
{
	last_error[0] = '\0';
}

const char *dp_error(void)
{
	return last_error;
}

const char *esp_dp_last_error(void)
{
	return last_error;
}

static const char *const drop_names[] = {
#define ESP_DP_DROP_NAME(name, desc) #name,
	ESP_DP_DROPS(ESP_DP_DROP_NAME)
#undef ESP_DP_DROP_NAME
};

const char *esp_dp_drop_name(uint32_t i)
{
	return i < ESP_DP_DROP_MAX ? drop_names[i] : NULL;
}

uint32_t esp_dp_drop_count(void)
{
	return ESP_DP_DROP_MAX;
}
