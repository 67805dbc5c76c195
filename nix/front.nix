# The front of the served backend (src/keelson/serve/front): nixpkgs' nginx with only what
# its rendered configuration uses (http, proxy, map, limit_conn), on the boot's PATH.
# Without the embedded Perl and the stream module the image carries no Perl.
{ nginx }:
nginx.override {
  withPerl = false;
  withStream = false;
  modules = [ ];
}
