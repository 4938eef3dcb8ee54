# nginx from Debian, configured by bin/nginx-config from deploy/nginx.conf.template.
FROM debian:bookworm-slim
# The base image's release pins the packages; Debian's security updates replace exact versions.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx-light gettext-base openssl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY deploy/nginx.conf.template deploy/proxy_params.conf deploy/
COPY bin/nginx-config bin/
CMD ["sh", "-c", "bin/nginx-config && exec nginx -c \"$NGINX_RUN_DIR/nginx.conf\" -p \"$NGINX_RUN_DIR\""]
