// The esplane version, one place: the CLI, the metrics' build_info and the image agree.
export const VERSION = '0.1.0';
