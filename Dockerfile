# syntax=docker/dockerfile:1
#
# callguard: a SIPREC Session Recording Server. Three stages:
#   build      npm ci + npm run build (tsc) -> dist/
#   prod-deps  npm ci --omit=dev          -> node_modules without dev dependencies
#   runtime    node + pocketsphinx (offline speech) + dist/ + production node_modules, as user `node`
#
#   docker build -t callguard .
#   docker run --rm -e CALLGUARD_MEDIA_ADDRESS=<address the SBC sends RTP to> --network host callguard
#
# See deploy/README.md (compose, Kubernetes) and docs/operations.md.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript -------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY machines ./machines
COPY src ./src
COPY scripts/copy-assets.mjs ./scripts/
RUN npm run build

# ---- prod-deps: runtime dependencies only --------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime -------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# Offline speech (CALLGUARD_SPEECH=offline, the default): src/speech/offline runs
# `pocketsphinx_continuous` (package pocketsphinx, 0.8+5prealpha in bookworm) through `sh -c 'cat | exec …'`
# and reads the model from /usr/share/pocketsphinx/model/en-us (package pocketsphinx-en-us).
# Nothing else: flite, sipp and sox are test tools and are not installed here.
# /var/lib/callguard is where the file SMS sink (the image's default provider) writes: mount a volume on it.
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pocketsphinx pocketsphinx-en-us \
  && rm -rf /var/lib/apt/lists/* \
  && test -x /usr/bin/pocketsphinx_continuous \
  && test -f /usr/share/pocketsphinx/model/en-us/en-us/mdef \
  && test -f /usr/share/pocketsphinx/model/en-us/en-us/feat.params \
  && test -f /usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict \
  && mkdir -p /var/lib/callguard \
  && chown node:node /var/lib/callguard

WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./

# Container defaults. Everything else is a CALLGUARD_* setting (docs/configuration.md).
# - SIP and the ops API listen on every interface of the container (the code's defaults are loopback).
# - CALLGUARD_MEDIA_ADDRESS is NOT set here and must be set per deployment: it is the address written
#   in the SDP answer, i.e. where the SBC sends RTP. Left empty, the answer carries the RTP bind
#   address, which is 0.0.0.0 here (an SDP hold address): the SBC would send no media.
# - The file SMS sink goes to the volume below; point CALLGUARD_SMS at smpp/acs/http in production.
ENV NODE_ENV=production \
    CALLGUARD_SIP_HOST=0.0.0.0 \
    CALLGUARD_HTTP_HOST=0.0.0.0 \
    CALLGUARD_SMS=file:/var/lib/callguard/sms.jsonl

# SIP over UDP and TCP (CALLGUARD_SIP_PORT), SIP over TLS (CALLGUARD_SIP_TLS_PORT, off unless set),
# the ops API (CALLGUARD_HTTP_PORT).
EXPOSE 5060/udp 5060/tcp 5061/tcp 8080/tcp
# RTP: CALLGUARD_RTP_PORTS (default 20000-29999/udp, even ports RTP, odd RTCP) is deliberately not
# EXPOSEd: `docker run -P` would publish ten thousand ports. RTP ports are not translated (the SDP
# answer names the port callguard bound), so publish them 1:1 (`-p 20000-20199:20000-20199/udp` with
# a matching CALLGUARD_RTP_PORTS) or, better, run with host networking.

USER node

# Liveness of the ops API; readiness (SIP listening, not shutting down) is GET /readyz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CALLGUARD_HTTP_PORT||'8080')+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# SIGTERM ends live recordings with BYE, lets alerts settle for CALLGUARD_SHUTDOWN_GRACE_MS and exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]
