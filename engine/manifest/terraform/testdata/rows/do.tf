resource "digitalocean_database_cluster" "pg" {
  name       = "shop-pg"
  engine     = "pg"
  version    = "15"
  size       = "db-s-1vcpu-1gb"
  node_count = 1
}

resource "digitalocean_database_cluster" "kv" {
  name    = "shop-kv"
  engine  = "valkey"
  version = "8"
}

resource "digitalocean_app" "shop" {
  spec {
    name = "shop"
  }
}
