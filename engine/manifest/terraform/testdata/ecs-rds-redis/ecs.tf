locals {
  db_url = "postgres://${aws_db_instance.main.username}:${random_password.db.result}@${aws_db_instance.main.endpoint}/${aws_db_instance.main.db_name}"
  common_env = [
    { name = "APP_ENV", value = var.env },
    { name = "LOG_LEVEL", value = upper("info") },
  ]
}

resource "aws_ecr_repository" "web" {
  name = "shop-web"
}

resource "aws_ecs_task_definition" "web" {
  family = "shop-web"
  container_definitions = jsonencode([
    {
      name      = "web"
      image     = "${aws_ecr_repository.web.repository_url}:latest"
      essential = true
      environment = concat(local.common_env, [
        { name = "DATABASE_URL", value = local.db_url },
        { name = "DB_HOST", value = aws_db_instance.main.address },
        { name = "DB_PORT", value = tostring(aws_db_instance.main.port) },
        { name = "DB_PASSWORD", value = random_password.db.result },
        { name = "REDIS_URL", value = "rediss://:${random_password.cache.result}@${aws_elasticache_replication_group.cache.primary_endpoint_address}:${aws_elasticache_replication_group.cache.port}" },
        { name = "STRIPE_KEY", value = var.stripe_key },
        { name = "BUCKET_ARN", value = aws_s3_bucket.assets.arn },
      ])
      secrets = [
        { name = "SESSION_SECRET", valueFrom = "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/session" },
      ]
    },
    {
      name  = "worker"
      image = var.app_image
      environment = [
        { name = "DATABASE_URL", value = local.db_url },
      ]
    },
  ])
}

resource "aws_s3_bucket" "assets" {
  bucket = "shop-assets"
}
