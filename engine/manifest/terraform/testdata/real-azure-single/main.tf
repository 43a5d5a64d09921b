# Excerpt of Azure/terraform-azurerm-postgresql (MIT), examples/default/main.tf
# at 861c42f986802d7ac196ac2c457a264546037bc4.
# Changed: the module source "../../" is "./module" (an excerpt of it), and
# the call sets server_version and db_names, as the module's README does.

resource "random_id" "rg_name" {
  byte_length = 8
}

resource "random_password" "password" {
  length      = 20
  min_lower   = 1
  min_numeric = 1
  min_special = 1
  min_upper   = 1
}

module "postgresql" {
  source = "./module"

  resource_group_name = "testRG-${random_id.rg_name.hex}"

  server_name            = "test-server-postgresql-${random_id.rg_name.hex}"
  server_version         = "11"
  db_names               = ["app"]
  administrator_login    = "login"
  administrator_password = random_password.password.result
}
