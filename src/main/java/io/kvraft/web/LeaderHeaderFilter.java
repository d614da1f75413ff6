package io.kvraft.web;

import io.kvraft.node.RaftNode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/** Names the leader this node knows of on every /kv response, so clients go straight there next time. */
@Component
public class LeaderHeaderFilter extends OncePerRequestFilter {
  private final RaftNode node;

  public LeaderHeaderFilter(RaftNode node) {
    this.node = node;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !request.getRequestURI().startsWith("/kv");
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String leader = node.status().leader();
    if (leader != null) {
      response.setHeader(KvHeaders.RAFT_LEADER, leader);
    }
    chain.doFilter(request, response);
  }
}
