# Excerpt of Azure/terraform-azurerm-postgresql (MIT), main.tf and
# variables.tf at 861c42f986802d7ac196ac2c457a264546037bc4.

variable "administrator_login" {
  type = string
}
variable "administrator_password" {
  type      = string
  sensitive = true
}
variable "resource_group_name" {
  type = string
}
variable "server_name" {
  type = string
}
variable "server_version" {
  type    = string
  default = "9.5"
}
variable "db_names" {
  type    = list(string)
  default = []
}

resource "azurerm_postgresql_server" "server" {
  name                         = var.server_name
  resource_group_name          = var.resource_group_name
  sku_name                     = "GP_Gen5_4"
  ssl_enforcement_enabled      = true
  version                      = var.server_version
  administrator_login          = var.administrator_login
  administrator_login_password = var.administrator_password
}

resource "azurerm_postgresql_database" "dbs" {
  count = length(var.db_names)

  charset             = "UTF8"
  collation           = "English_United States.1252"
  name                = var.db_names[count.index]
  resource_group_name = var.resource_group_name
  server_name         = azurerm_postgresql_server.server.name
}

output "server_fqdn" {
  value = azurerm_postgresql_server.server.fqdn
}
