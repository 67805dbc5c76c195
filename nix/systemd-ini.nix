# Renders one unit of ./service-config.nix as a unit file: `[Section]` headers in systemd's
# order, one `Key=value` line per value, a list as the key repeated, booleans as yes/no.
# Pure, without nixpkgs: tests compare its text with the files in docs/deploy/systemd/.
let
  sectionOrder = [
    "Unit"
    "Service"
    "Install"
  ];

  showValue =
    value: if builtins.isBool value then (if value then "yes" else "no") else toString value;

  keyLines =
    key: value:
    map (item: "${key}=${showValue item}\n") (if builtins.isList value then value else [ value ]);

  sectionText =
    name: keys:
    "[${name}]\n"
    + builtins.concatStringsSep "" (
      builtins.concatMap (key: keyLines key keys.${key}) (builtins.attrNames keys)
    );

  present = unit: builtins.filter (name: unit ? ${name} && unit.${name} != { }) sectionOrder;
in
{
  # Comment lines written above the first section.
  header ? [ ],
}:
unit:
builtins.concatStringsSep "" (map (line: "# ${line}\n") header)
+ builtins.concatStringsSep "\n" (map (name: sectionText name unit.${name}) (present unit))
