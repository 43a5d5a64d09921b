# The common root configuration that only calls registry modules: parity
# reads no service, and its error must say which module was not read.
module "db" {
  source  = "terraform-aws-modules/rds/aws"
  version = "~> 6.0"

  engine         = "postgres"
  engine_version = "16.3"
}
