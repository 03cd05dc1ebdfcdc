/* esplane-dp: the standalone runner over libesplane-dp — manual keying (DESIGN.md), offline
 * pcap processing and benchmarks.
 *
 *   esplane-dp --config FILE.json [--until-idle MS] [--stats-json FILE] [--log FILE] -- <EAL args>
 *   esplane-dp --config FILE.json --bench-ms MS [--warmup-ms MS] [--capture POINT] -- <EAL args>
 *       (POINT: enum esp_dp_capture_point, armed for the run and drained by this thread;
 *       the warm-up, 300 ms unless given, lets e.g. a bench bring an exception TAP up)
 *
 * The config is validated before EAL starts: a bad file names its field and nothing runs. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "esplane_dp.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: esplane-dp --config FILE.json [--until-idle MS] [--stats-json FILE] "
			"[--log FILE] [--bench-ms MS [--warmup-ms MS] [--capture POINT]] -- <EAL args>\n");
	return 2;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct totals { uint64_t tx, tx_bytes, rx, to_kernel, from_kernel; };

static struct totals port_totals(void)
{
	struct esp_dp_port_stats ps[8];
	int n = esp_dp_port_stats(ps, 8);
	struct totals t = { 0 };
	for (int k = 0; k < n; k++) {
		t.tx += ps[k].tx_packets;
		t.tx_bytes += ps[k].tx_bytes;
		t.rx += ps[k].rx_packets;
		t.to_kernel += ps[k].exc_to_kernel;
		t.from_kernel += ps[k].exc_from_kernel;
	}
	return t;
}

/* CPU seconds the process used: the workers' time, since the main thread sleeps meanwhile
 * (with --capture it drains, and counts too) */
static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* Sleeps until `until` (ms) even when signals interrupt: net_tap raises SIGIO whenever the
 * kernel writes on an exception TAP, which would cut a plain usleep short. */
static void sleep_until(uint64_t until)
{
	for (uint64_t now = now_ms(); now < until; now = now_ms())
		usleep((useconds_t)((until - now) > 500 ? 500000 : (until - now) * 1000));
}

/* --capture: this thread drains the capture rings as the agent would, until `until` (ms) */
static uint64_t drain_until(uint64_t until, struct esp_dp_capture_rec *buf, uint32_t cap)
{
	uint64_t n = 0;
	while (now_ms() < until) {
		int got = esp_dp_capture_read(buf, cap);
		if (got > 0)
			n += (uint64_t)got;
		else
			usleep(200);
	}
	return n;
}

/* --bench-ms: warm up, then print the transmit rate over MS ms as one JSON line, with the CPU
 * the workers really got (on a shared machine a pinned worker gets less than its core); with a
 * capture point, armed for the whole run and drained continuously */
static int bench(long ms, long warmup_ms, const char *stats, int capture_point)
{
	uint64_t drained = 0;
	enum { DRAIN = 256 };
	struct esp_dp_capture_rec *buf = capture_point >= 0 ? calloc(DRAIN, sizeof(*buf)) : NULL;
	if (capture_point >= 0) {
		struct esp_dp_capture_conf conf = { .point = (uint8_t)capture_point, .l4_port = ESP_DP_ANY_PORT };
		if (!buf || esp_dp_capture_start(&conf) != 0) {
			fprintf(stderr, "esplane-dp: capture: %s\n", esp_dp_last_error());
			return 1;
		}
	}
	if (buf)
		drain_until(now_ms() + (uint64_t)warmup_ms, buf, DRAIN);
	else
		sleep_until(now_ms() + (uint64_t)warmup_ms);
	double cpu0 = cpu_seconds();
	struct totals p0 = port_totals();
	uint64_t t0 = now_ms();
	struct esp_dp_capture_status c0 = { 0 }, c1 = { 0 };
	esp_dp_capture_status(&c0);
	if (buf)
		drained = drain_until(t0 + (uint64_t)ms, buf, DRAIN);
	else
		sleep_until(t0 + (uint64_t)ms);
	struct totals p1 = port_totals();
	uint64_t t1 = now_ms();
	esp_dp_capture_status(&c1);
	double cpu1 = cpu_seconds();
	esp_dp_stop();
	free(buf);
	double s = (double)(t1 - t0) / 1000.0;
	printf("{\"tx_pps\": %.0f, \"tx_bytes_per_s\": %.0f, \"rx_pps\": %.0f, \"seconds\": %.3f, \"cpu_cores\": %.3f, "
	       "\"captured\": %llu, \"capture_dropped\": %llu, \"drained\": %llu, \"to_kernel\": %llu, \"from_kernel\": %llu}\n",
	       (double)(p1.tx - p0.tx) / s, (double)(p1.tx_bytes - p0.tx_bytes) / s, (double)(p1.rx - p0.rx) / s, s,
	       (cpu1 - cpu0) / s, (unsigned long long)(c1.captured - c0.captured), (unsigned long long)(c1.dropped - c0.dropped),
	       (unsigned long long)drained, (unsigned long long)(p1.to_kernel - p0.to_kernel),
	       (unsigned long long)(p1.from_kernel - p0.from_kernel));
	if (stats)
		esp_dp_stats_write_json(stats);
	esp_dp_shutdown();
	return 0;
}

int main(int argc, char **argv)
{
	const char *config = NULL, *stats = NULL, *log = NULL;
	long idle_ms = -1, bench_ms = -1, warmup_ms = 300;
	int capture_point = -1;
	int i;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("esplane-dp abi %u\n", esp_dp_abi_version());
			return 0;
		}
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--config") == 0)
			config = argv[++i];
		else if (strcmp(argv[i], "--stats-json") == 0)
			stats = argv[++i];
		else if (strcmp(argv[i], "--log") == 0)
			log = argv[++i];
		else if (strcmp(argv[i], "--until-idle") == 0)
			idle_ms = atol(argv[++i]);
		else if (strcmp(argv[i], "--bench-ms") == 0)
			bench_ms = atol(argv[++i]);
		else if (strcmp(argv[i], "--warmup-ms") == 0)
			warmup_ms = atol(argv[++i]);
		else if (strcmp(argv[i], "--capture") == 0)
			capture_point = atoi(argv[++i]);
		else
			return usage();
	}
	if (!config)
		return usage();
	if (esp_dp_config_check(config) != 0) {
		fprintf(stderr, "esplane-dp: invalid config: %s\n", esp_dp_last_error());
		return 1;
	}
	if (esp_dp_init(argc - i, (const char *const *)argv + i, log) != 0) {
		fprintf(stderr, "esplane-dp: %s\n", esp_dp_last_error());
		return 1;
	}
	if (esp_dp_config_apply(config) != 0 || esp_dp_start() != 0) {
		fprintf(stderr, "esplane-dp: %s\n", esp_dp_last_error());
		esp_dp_shutdown();
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (bench_ms > 0)
		return bench(bench_ms, warmup_ms, stats, capture_point);
	uint64_t last_rx = 0, last_change = now_ms();
	while (!interrupted) {
		usleep(5000);
		uint64_t rx = esp_dp_rx_total();
		if (rx != last_rx) {
			last_rx = rx;
			last_change = now_ms();
		} else if (idle_ms >= 0 && now_ms() - last_change >= (uint64_t)idle_ms) {
			break;
		}
	}
	esp_dp_stop();
	int rc = 0;
	if (stats && esp_dp_stats_write_json(stats) != 0) {
		fprintf(stderr, "esplane-dp: %s\n", esp_dp_last_error());
		rc = 1;
	}
	esp_dp_shutdown();
	return rc;
}
