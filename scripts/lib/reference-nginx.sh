# Sourced by the benchmark scripts: the reference every lapsd figure is a
# ratio against, nginx serving a 512-byte static file.
# start_reference_nginx WORK_DIR PORT: two workers, like lapsd's two I/O
# threads; its pid file is WORK_DIR/nginx.pid (the caller's cleanup kills it).
start_reference_nginx() {
  local work=$1 port=$2
  mkdir -p "$work/www"
  head -c 512 /dev/zero | tr '\0' 'x' >"$work/www/index.html"
  cat >"$work/nginx.conf" <<CONF
user root;
worker_processes 2;
daemon on;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    root $work/www;
  }
}
CONF
  nginx -c "$work/nginx.conf"
}
