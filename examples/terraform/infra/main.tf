# The production infrastructure of a small shop, as its team keeps it in
# Terraform: RDS PostgreSQL, ElastiCache Redis and an ECS task definition
# whose environment points the app at both. parity reads this directory
# (`parity up -f examples/terraform/infra`): it starts postgres:15.4 and
# redis:7.0 because that is what RDS and ElastiCache run, and hands the app
# DATABASE_URL and REDIS_URL rewritten to the local containers. Nothing here
# is dev-specific, and parity never runs terraform.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "aws" {
  region = var.region
}

locals {
  name = "shop-${var.environment}"
  tags = {
    Service     = "shop"
    Environment = var.environment
  }
}
