# syntax=docker/dockerfile:1
# coredelta HTTP API: `coredelta serve` on port 8931, data (digests, reports, kept cores) in /data.
#   docker build -t coredelta . && docker run -p 8931:8931 -v coredelta-data:/data coredelta
# Bearer auth: -e COREDELTA_TOKENS=token1,token2. Lint: deno test -A api/docker_test.ts
# (and hadolint where it is available: docker run --rm -i hadolint/hadolint < Dockerfile).

ARG DENO_VERSION=2.9.1

FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /app
ENV DENO_DIR=/deno-dir DENO_NO_UPDATE_CHECK=1
# Dependency layer: only the manifest and the lockfile, so code changes reuse it.
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY . .
RUN deno install --frozen --entrypoint main.ts \
  && deno check main.ts \
  && mkdir -p /data

FROM denoland/deno:distroless-${DENO_VERSION}
WORKDIR /app
ENV DENO_DIR=/deno-dir \
    DENO_NO_UPDATE_CHECK=1 \
    DENO_NO_PROMPT=1 \
    COREDELTA_DATA=/data \
    MALLOC_MMAP_THRESHOLD_=131072
COPY --from=build --chown=nonroot:nonroot /deno-dir /deno-dir
COPY --from=build --chown=nonroot:nonroot /app /app
COPY --from=build --chown=nonroot:nonroot /data /data
USER nonroot
VOLUME ["/data"]
EXPOSE 8931
# distroless has no shell and no curl: deno eval is the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/bin/deno", "eval", "const r = await fetch('http://127.0.0.1:8931/health').catch(() => null); Deno.exit(r?.ok ? 0 : 1)"]
CMD ["run", "--cached-only", "--frozen", "--no-prompt", "--v8-flags=--max-semi-space-size=1,--heap-growing-percent=100", \
     "--allow-net=0.0.0.0:8931,127.0.0.1:8931,unix:/data/.http/s", \
     "--allow-read=/app,/data", \
     "--allow-write=/data", \
     "--allow-env=COREDELTA_DATA,COREDELTA_TOKENS,PORT,LOG_TOKENS,LOG_STREAM", \
     "main.ts", "serve", "--hostname", "0.0.0.0", "--port", "8931", "--data", "/data"]
