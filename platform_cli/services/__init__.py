"""Life of a service repository after it was generated: finding its workspace, the services a
workspace knows, template upgrades, pull request previews."""
