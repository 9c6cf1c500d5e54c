{
  config,
  pkgs,
  pkgs-unstable,
  inputs,
  ...
}:

{
  home.username = "alice";
  home.homeDirectory = "/home/alice";

  home.packages = [
    pkgs-unstable.spotify
    pkgs.git
  ];

  programs.git = {
    enable = true;
    userName = "Alice";
    userEmail = "alice@example.org";
  };

  programs.bash.enable = true;

  home.stateVersion = "25.05";
}
