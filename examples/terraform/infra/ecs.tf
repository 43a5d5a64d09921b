resource "aws_ecs_task_definition" "shop" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512

  container_definitions = jsonencode([
    {
      name      = "shop"
      image     = var.app_image
      essential = true
      portMappings = [{ containerPort = 8080 }]
      environment = [
        { name = "PORT", value = "8080" },
        {
          name  = "DATABASE_URL"
          value = "postgres://${aws_db_instance.main.username}:${random_password.db.result}@${aws_db_instance.main.endpoint}/${aws_db_instance.main.db_name}"
        },
        {
          name  = "REDIS_URL"
          value = "redis://${aws_elasticache_replication_group.cache.primary_endpoint_address}:${aws_elasticache_replication_group.cache.port}/0"
        },
      ]
    }
  ])

  tags = local.tags
}
