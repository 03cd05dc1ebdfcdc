# syntax=docker/dockerfile:1
# The esplane image: one image for the operator, the agent (with the DPDK dataplane) and the
# charon container of the agent pod. Three stages, all on Debian 12 (bookworm):
#   dataplane — builds libesplane-dp.so and esplane-dp against Debian's DPDK 22.11;
#   build     — compiles the TypeScript to dist/ and keeps only production node_modules;
#   runtime   — node 20, DPDK's runtime libraries, strongSwan, and the two results above.
# Roles: `esplane operator`, `esplane agent` (ENTRYPOINT + args); charon runs as
# /usr/lib/ipsec/charon (the chart overrides the command).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- dataplane ------------------------------------------------------------------------
FROM debian:12-slim AS dataplane
# The same DPDK packages scripts/setup.sh installs for development.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential pkg-config make dpdk-dev libdpdk-dev libipsec-mb-dev libjansson-dev libpcap-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY dataplane/ dataplane/
# Note: the Makefile compiles with -march=native; build on (or for) the gateway CPU family.
# Portable baseline (SSE4.2): the image runs on any x86-64 node; AES-NI is used at run time by
# intel-ipsec-mb whatever the compile target.
RUN make -C dataplane clean all MARCH=x86-64-v2
# The Debian packages that provide every shared library the dataplane links, for the
# runtime stage (so a new DPDK library in the Makefile cannot be forgotten there).
RUN ldd dataplane/build/libesplane-dp.so dataplane/build/esplane-dp \
      | awk '$2 == "=>" && $3 ~ /^\// && $3 !~ /\/dataplane\/build\// {print $3}' | sort -u > /tmp/libs \
 && { dpkg -S $(cat /tmp/libs) 2>/dev/null; dpkg -S $(sed 's#^#/usr#' /tmp/libs) 2>/dev/null; } \
      | cut -d: -f1 | sort -u > /src/runtime-packages.txt

# ---- build (TypeScript) ------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY operator/ operator/
RUN npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# The dataplane's shared libraries (runtime-packages.txt, from the dataplane stage); all of
# DPDK 22.11's poll-mode and crypto drivers, which EAL loads as plugins (VF and TAP PMDs,
# ipsec_mb); dpdk for dpdk-devbind/dpdk-hugepages; strongSwan: charon and every plugin
# strongswan.conf loads (eap-mschapv2 is in extauth), swanctl for the liveness probe;
# iproute2 for `ip xfrm` when debugging a node; iptables for spec.mssClamp with the kernel
# dataplane (TCPMSS rules, kernel-mss-clamp.ts).
COPY --from=dataplane /src/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(cat /tmp/runtime-packages.txt) librte-meta-allpmds dpdk \
      strongswan-charon strongswan-swanctl libstrongswan-standard-plugins libcharon-extra-plugins \
      libcharon-extauth-plugins \
      iproute2 iptables ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt

COPY --from=dataplane /src/dataplane/build/libesplane-dp.so /usr/lib/esplane/libesplane-dp.so
COPY --from=dataplane /src/dataplane/build/esplane-dp /usr/lib/esplane/esplane-dp
RUN ln -s /usr/lib/esplane/esplane-dp /usr/bin/esplane-dp

WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules/ ./node_modules/
COPY --from=build /app/dist/ ./dist/
COPY bin/esplane ./bin/esplane
RUN ln -s /app/bin/esplane /usr/bin/esplane

ENV NODE_ENV=production \
    ESPLANE_DP_LIB=/usr/lib/esplane/libesplane-dp.so

# The operator runs as 65532 (chart securityContext); the agent and charon need root.
ENTRYPOINT ["/app/bin/esplane"]
CMD ["help"]
