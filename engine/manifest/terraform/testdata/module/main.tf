variable "pg_version" {
  default = "16.3"
}

resource "random_password" "db" {
  length = 30
}

module "db" {
  source         = "./modules/db"
  name           = "orders"
  engine_version = var.pg_version
  password       = random_password.db.result
}

module "unused" {
  count  = 0
  source = "./modules/db"
  name   = "unused"
}

resource "kubernetes_deployment" "orders" {
  metadata {
    name = "orders"
  }
  spec {
    template {
      metadata {}
      spec {
        container {
          name  = "orders-api"
          image = "ghcr.io/example/orders:2.4.0"
          env {
            name  = "DATABASE_URL"
            value = module.db.url
          }
          env {
            name  = "PGHOST"
            value = module.db.address
          }
          env {
            name = "PGPASSWORD"
            value_from {
              secret_key_ref {
                name = "orders-db"
                key  = "password"
              }
            }
          }
          dynamic "env" {
            for_each = { FEATURE_A = "on", FEATURE_B = "off" }
            content {
              name  = env.key
              value = env.value
            }
          }
        }
      }
    }
  }
}
